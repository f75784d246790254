import { describe, expect, it } from 'vitest';
import { iterateBytes } from '../../src/internal/stream.js';
import { openSource } from '../../src/media/source.js';
import { splitBackupStream } from '../../src/frames/stream.js';

async function collect(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of it) out.push(...c);
  return out;
}

function counted(n: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === n) controller.close();
      else controller.enqueue(Uint8Array.of(state.pulled++));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('iterateBytes', () => {
  it('reads sync iterables, async iterables and ReadableStreams alike', async () => {
    expect(await collect(iterateBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]))).toEqual([1, 2, 3]);
    async function* gen() {
      yield Uint8Array.of(4);
      yield Uint8Array.of(5);
    }
    expect(await collect(iterateBytes(gen()))).toEqual([4, 5]);
    const { stream, state } = counted(3);
    expect(await collect(iterateBytes(stream))).toEqual([0, 1, 2]);
    expect(state.cancelled).toBe(false);
    expect(stream.locked).toBe(false);
  });

  it('cancels a ReadableStream when the reader stops early', async () => {
    const { stream, state } = counted(1000);
    for await (const c of iterateBytes(stream)) if (c[0] === 2) break;
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(1000);
  });

  it('cancels the source when the frame splitter rejects it', async () => {
    // A length prefix of 2^32-1 is above any frame limit.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
      },
    });
    let cancelled = false;
    const watched = new ReadableStream<Uint8Array>({
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel() {
        cancelled = true;
      },
    });
    const reader = stream.getReader();
    await expect(
      collect(
        (async function* () {
          for await (const m of splitBackupStream(watched)) yield m.bytes;
        })(),
      ),
    ).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    expect(cancelled).toBe(true);
  });

  it('names the argument when a chunk is not a Uint8Array or the source is not a stream', async () => {
    await expect(collect(iterateBytes(['x' as unknown as Uint8Array], 'data'))).rejects.toThrow(
      new TypeError('"data" expected chunks of Uint8Array'),
    );
    await expect(collect(iterateBytes(42 as never))).rejects.toThrow(TypeError);
    await expect(collect(openSource([new Uint16Array(2) as unknown as Uint8Array]))).rejects.toThrow(
      '"source" expected chunks of Uint8Array',
    );
  });
});
