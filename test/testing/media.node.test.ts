/**
 * The synthetic account's media are real files: its PNGs parse and inflate with Node's own zlib
 * and CRC-32 (not our code), its WAVs have a consistent RIFF header, and the frames describe
 * them (content type, pixel size, voice-note flag, file name).
 */

import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';
import { drawPicture } from '../../src/testing/png.js';
import { toneClip } from '../../src/testing/wav.js';

interface Decoded {
  width: number;
  height: number;
  rgb: Uint8Array;
  chunks: string[];
}

/** A PNG decoder for what our encoder may write (8-bit RGB, filters None and Up), checking every CRC. */
function decodePng(file: Uint8Array): Decoded {
  const b = Buffer.from(file);
  expect([...b.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let at = 8;
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  while (at < b.length) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const data = b.subarray(at + 8, at + 8 + length);
    expect(b.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(crc32(b.subarray(at + 4, at + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  expect(at).toBe(b.length);
  expect(chunks[0]).toBe('IHDR');
  expect(chunks.at(-1)).toBe('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  expect(raw.length).toBe((stride + 1) * height);
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    expect([0, 2]).toContain(filter); // None or Up
    for (let x = 0; x < stride; x++) {
      const above = filter === 2 && y > 0 ? rgb[(y - 1) * stride + x]! : 0;
      rgb[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + above) & 0xff;
    }
  }
  return { width, height, rgb, chunks };
}

/** Distinct colours after dropping the grain (top 3 bits of each channel). */
function coarseColours(rgb: Uint8Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < rgb.length; i += 3)
    seen.add(((rgb[i]! >> 5) << 6) | ((rgb[i + 1]! >> 5) << 3) | (rgb[i + 2]! >> 5));
  return seen.size;
}

describe('drawPicture', () => {
  it('writes a PNG of exactly the size asked for, that inflates to a picture with a pattern', () => {
    for (const [seed, size] of [
      [1, 2048],
      [2, 5000],
      [3, 40_000],
      [4, 96 * 1024],
    ] as const) {
      const p = drawPicture(seed, size);
      expect(p.bytes.length).toBe(size);
      const d = decodePng(p.bytes);
      expect([d.width, d.height]).toEqual([p.width, p.height]);
      expect(d.width * d.height).toBeGreaterThan(size / 8);
      expect(coarseColours(d.rgb)).toBeGreaterThanOrEqual(2);
    }
  });

  it('is deterministic, differs between seeds, and falls back to 1x1 below the smallest PNG', () => {
    expect(Buffer.from(drawPicture(9, 3000).bytes).equals(Buffer.from(drawPicture(9, 3000).bytes))).toBe(true);
    expect(Buffer.from(drawPicture(9, 3000).bytes).equals(Buffer.from(drawPicture(10, 3000).bytes))).toBe(false);
    const tiny = drawPicture(5, 10);
    expect([tiny.width, tiny.height]).toEqual([1, 1]);
    expect(decodePng(tiny.bytes).chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
  });
});

describe('toneClip', () => {
  it('writes a RIFF/WAVE file of 8 kHz 8-bit mono PCM that is not silence', () => {
    const clip = Buffer.from(toneClip(3, 8045));
    expect(clip.length).toBe(8044);
    expect(clip.toString('latin1', 0, 4)).toBe('RIFF');
    expect(clip.readUInt32LE(4)).toBe(clip.length - 8);
    expect(clip.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(clip.readUInt16LE(20)).toBe(1); // PCM
    expect(clip.readUInt16LE(22)).toBe(1); // mono
    expect(clip.readUInt32LE(24)).toBe(8000);
    expect(clip.readUInt16LE(34)).toBe(8);
    expect(clip.toString('latin1', 36, 40)).toBe('data');
    expect(clip.readUInt32LE(40)).toBe(clip.length - 44);
    const samples = clip.subarray(44);
    expect(Math.max(...samples) - Math.min(...samples)).toBeGreaterThan(100);
  });
});

describe('the synthetic account uses them', () => {
  const acc = generateSyntheticAccount({ contacts: 6, groups: 2, messages: 800, attachments: 60, seed: 4 });
  const items = [...acc.chatItems()];

  it('photos, voice notes and documents, each what its content type says', () => {
    const types = new Set(acc.attachments.map((a) => a.contentType));
    expect([...types].sort()).toEqual(['audio/wav', 'image/png', 'text/plain']);
    for (const a of acc.attachments) {
      if (a.contentType === 'image/png') {
        const d = decodePng(a.plaintext);
        expect([d.width, d.height]).toEqual([a.width, a.height]);
      } else if (a.contentType === 'audio/wav') {
        expect(Buffer.from(a.plaintext).toString('latin1', 0, 4)).toBe('RIFF');
        expect(a.voiceNote).toBe(true);
      } else {
        expect(a.fileName).toMatch(/^notes-\d+\.txt$/);
        expect(new TextDecoder('ascii', { fatal: true }).decode(a.plaintext)).toMatch(/^[A-Za-z .\n]+$/);
      }
      if (a.viewOnce) expect(a.contentType).toBe('image/png');
    }
  });

  it('the frames carry the pixel size, the file name and the voice-note flag', () => {
    const byHash = new Map(acc.attachments.map((a) => [Buffer.from(a.plaintextHash).toString('hex'), a]));
    let seen = 0;
    for (const item of items) {
      const list = item.standardMessage?.attachments ?? [];
      for (const m of list) {
        const a = byHash.get(Buffer.from(m.pointer!.locatorInfo!.plaintextHash!).toString('hex'))!;
        seen++;
        expect(m.pointer!.contentType).toBe(a.contentType);
        expect(m.pointer!.width ?? undefined).toBe(a.width);
        expect(m.pointer!.height ?? undefined).toBe(a.height);
        expect(m.pointer!.fileName ?? undefined).toBe(a.fileName);
        expect(m.flag).toBe(a.voiceNote ? 1 : 0);
        if (a.voiceNote) expect(item.standardMessage!.text ?? undefined).toBeUndefined();
      }
    }
    expect(seen).toBe(acc.attachments.filter((a) => !a.viewOnce).length);
  });
});
