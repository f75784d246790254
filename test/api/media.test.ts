import { describe, expect, it } from 'vitest';
import { MediaCollector } from '../../src/api/media.js';
import type { Frame } from '../../src/frames/codec.js';
import { frameMediaLocators, mediaTierReferences } from '../../src/incremental/references.js';

const ROOT = new Uint8Array(32).fill(7);

function frameWith(contentType: string, size: number, n: number): Frame {
  const li = { key: new Uint8Array(64).fill(n), plaintextHash: new Uint8Array(32).fill(n + 100), size };
  return {
    chatItem: {
      chatId: 1n,
      authorId: 1n,
      dateSent: 1000n + BigInt(n),
      standardMessage: { attachments: [{ pointer: { contentType, locatorInfo: li } }] },
    },
  };
}

describe('MediaCollector and mediaTierReferences agree', () => {
  // The writer's media list and the CLI planner's references must name the same media-tier
  // objects (with the same size estimates) for the same frames, or the two plans differ.
  it('on which media get a thumbnail and its size estimate', () => {
    const cases: [string, number][] = [
      ['image/jpeg', 100_000],
      ['image/png', 500],
      ['image/svg+xml', 100_000],
      ['image/tiff', 100_000],
      ['video/mp4', 3_000_000],
      ['application/pdf', 100_000],
      ['audio/aac', 100_000],
    ];
    const frames = cases.map(([type, size], i) => frameWith(type, size, i));
    const collector = new MediaCollector(ROOT, 'media-tier', true);
    for (const f of frames) collector.add(f.chatItem, Number(f.chatItem!.dateSent));
    const fromWriter = collector.list().map((m) => [m.mediaName, m.thumbnail, m.size]);
    const fromFrames = mediaTierReferences(frames.flatMap((f, i) => frameMediaLocators(f, i + 1, 0))).map((r) => [
      r.mediaName,
      r.thumbnail,
      r.size,
    ]);
    expect(fromWriter).toEqual(fromFrames);
    expect(fromWriter.filter((m) => m[1]).length).toBe(3);
  });
});
