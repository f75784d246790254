/**
 * The container's splitter and the public FrameSplitter (`sbackup/frames`) report the same damage
 * to the message stream with the same code, message and frame index.
 */

import { describe, expect, it } from 'vitest';
import { splitBackupStream } from '../../src/frames/stream.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { delimited, gz, handBuilt, INFO, KEY, readAll, sampleFrames } from './helpers.js';

async function viaFrames(plaintext: Uint8Array, maxFrameBytes?: number): Promise<unknown> {
  try {
    for await (const _ of splitBackupStream([plaintext], maxFrameBytes === undefined ? {} : { maxFrameBytes })) {
      // drain
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

async function viaContainer(plaintext: Uint8Array, maxFrameBytes?: number): Promise<unknown> {
  const file = handBuilt(gz(plaintext), KEY);
  const r = await readAll(file, { key: KEY, ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }) });
  return r.ok ? undefined : r.error;
}

const good = delimited(INFO, sampleFrames(3));
const cases: [string, Uint8Array, number | undefined][] = [
  ['a frame above maxFrameBytes', good, 20],
  ['a stream cut inside a frame', good.subarray(0, good.length - 3), undefined],
  ['a stream cut inside a length prefix', concatByteList([good, Uint8Array.of(0x80)]), undefined],
  [
    'a length prefix of six bytes',
    concatByteList([good, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)]),
    undefined,
  ],
  ['a length prefix above 2^32-1', concatByteList([good, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)]), undefined],
  ['no message at all', new Uint8Array(0), undefined],
];

describe('one vocabulary for a damaged message stream', () => {
  for (const [name, plaintext, limit] of cases) {
    it(name, async () => {
      const a = (await viaFrames(plaintext, limit)) as {
        code?: string;
        message?: string;
        details?: { frameIndex?: number };
      };
      const b = (await viaContainer(plaintext, limit)) as typeof a;
      expect(a?.code, 'the frames splitter throws a BackupError').toMatch(/^[A-Z_]+$/);
      expect({ code: b?.code, message: b?.message, frameIndex: b?.details?.frameIndex }).toEqual({
        code: a?.code,
        message: a?.message,
        frameIndex: a?.details?.frameIndex,
      });
    });
  }

  it('a good stream passes both', async () => {
    expect(await viaFrames(good)).toBeUndefined();
    expect(await viaContainer(good)).toBeUndefined();
  });
});
