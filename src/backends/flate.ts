/**
 * Raw DEFLATE streams on fflate, shared by the pure and WebCrypto backends. fflate runs
 * everywhere (Hermes included) and is synchronous, so these never return promises.
 */

import { Deflate, Inflate } from 'fflate';
import { BackupError } from '../errors.js';
import { concatByteList } from '../internal/bytes.js';
import type { DeflateStream, InflateStream } from './types.js';

const EMPTY = new Uint8Array(0);

/** Joins the chunks an fflate callback produced during one call (usually zero or one). */
function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 0) return EMPTY;
  return chunks.length === 1 ? chunks[0]! : concatByteList(chunks);
}

/**
 * An fflate raw DEFLATE compressor. `flush` ends the current block without aligning to a byte:
 * fflate 0.8.3's byte-aligned `flush(true)` writes an invalid stored block when called more than
 * once (checked against zlib's inflate), and readers need no alignment.
 */
export function fflateDeflate(level: number): DeflateStream {
  const chunks: Uint8Array[] = [];
  const d = new Deflate({ level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }, (chunk) => {
    if (chunk.length > 0) chunks.push(chunk);
  });
  const drain = (): Uint8Array => {
    const out = joined(chunks);
    chunks.length = 0;
    return out;
  };
  return {
    push(data) {
      if (data.length > 0) d.push(data, false);
      return drain();
    },
    flush() {
      d.flush(false);
      return drain();
    },
    finish() {
      d.push(EMPTY, true);
      return drain();
    },
  };
}

/** fflate's inflate state, read to find where the DEFLATE stream ended (fflate 0.8.3, pinned exactly). */
interface FflateInflateInternals {
  /** Pending input not yet consumed. */
  p: Uint8Array;
  /**
   * State: `f` = the last finished block was the final one, `l` = a Huffman block is in progress,
   * `p` = bit position in `p` after the last finished block.
   */
  s: { f?: number; l?: unknown; p?: number };
}

/** An fflate raw DEFLATE decompressor that reports the input following the end of the stream. */
export function fflateInflate(): InflateStream {
  const chunks: Uint8Array[] = [];
  const inf = new Inflate((chunk) => {
    if (chunk.length > 0) chunks.push(chunk);
  });
  const state = inf as unknown as FflateInflateInternals;
  let ended = false;
  let rest = EMPTY;
  return {
    push(data) {
      if (ended) throw new Error('inflate stream already ended');
      try {
        inf.push(data, false);
      } catch (e) {
        throw new BackupError('DECOMPRESSION_FAILED', `gzip data is corrupt (${(e as Error).message})`, { cause: e });
      }
      if (state.s.f && !state.s.l) {
        ended = true;
        // The final block ends at bit s.p of the pending input; the rest starts at the next byte.
        rest = state.p.slice(((state.s.p ?? 0) + 7) >> 3);
      }
      const out = joined(chunks);
      chunks.length = 0;
      return out;
    },
    get ended() {
      return ended;
    },
    get rest() {
      return rest;
    },
  };
}
