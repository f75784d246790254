/**
 * Small, real PNG pictures for the synthetic account: an 8-bit RGB encoder (signature, IHDR, IDAT
 * through zlib, IEND, each chunk with its CRC-32, as the PNG specification lays them out) and a
 * seeded drawing (a gradient, a few discs and stripes, a little grain), so that a browser or an
 * image viewer shows every demo photo. Not a general-purpose encoder: no palette, alpha or
 * interlacing.
 */

import { zlibSync } from 'fflate';
import { crc32 } from '../internal/crc32.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bytes a chunk adds around its data: length, type and CRC. */
const CHUNK_OVERHEAD = 12;
/**
 * A private, ancillary, safe-to-copy chunk type (lowercase first, second and fourth letters)
 * that fills a picture up to the size asked for; decoders skip it.
 */
const FILLER_TYPE = 'sbPd';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_OVERHEAD + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Encodes `rgb` (`width * height * 3` bytes, rows top to bottom) as an 8-bit truecolour PNG.
 * `fillerBytes` (0, or at least 12) adds a skipped chunk of that total size, zero-filled.
 */
export function encodePng(width: number, height: number, rgb: Uint8Array, fillerBytes = 0): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size expected positive integers, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) throw new RangeError('PNG pixels expected width * height * 3 bytes');
  if (fillerBytes !== 0 && fillerBytes < CHUNK_OVERHEAD) throw new RangeError('PNG filler expected 0 or >= 12 bytes');
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression 0 (deflate), filter method 0, no interlace: bytes 10..12 stay 0.
  const stride = width * 3;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter type 2 (Up) at the start of every row, then each byte minus the one above it
    // (0 above the first row): smooth pictures become long runs that deflate fast and small.
    const at = y * (stride + 1);
    raw[at] = 2;
    const row = y * stride;
    for (let x = 0; x < stride; x++) raw[at + 1 + x] = rgb[row + x]! - (y === 0 ? 0 : rgb[row - stride + x]!);
  }
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 1 }))];
  if (fillerBytes > 0) parts.push(filler(fillerBytes));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

/** A zero-filled {@link FILLER_TYPE} chunk of `bytes` bytes in all (at least 12). */
function filler(bytes: number): Uint8Array {
  return chunk(FILLER_TYPE, new Uint8Array(bytes - CHUNK_OVERHEAD));
}

/** `png` with a filler chunk of `bytes` bytes before its IEND chunk (the last 12 bytes). */
function withFiller(png: Uint8Array, bytes: number): Uint8Array {
  const end = png.length - CHUNK_OVERHEAD;
  return concat([png.subarray(0, end), filler(bytes), png.subarray(end)]);
}

/** A picture made by {@link drawPicture}. */
export interface Picture {
  /** The PNG file. */
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** Width:height shapes of phone photos and screenshots. */
const SHAPES: readonly (readonly [number, number])[] = [
  [4, 3],
  [3, 4],
  [1, 1],
  [16, 9],
  [9, 16],
];

/** xorshift32 from a seed: the per-picture generator (cheap enough for every pixel). */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x6d2b79f5;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Draws the picture of `seed`; `grain` (a power of two, 0 for none) is the noise's number of levels. */
function render(width: number, height: number, seed: number, grain: number): Uint8Array {
  const rand = xorshift(seed);
  const colour = () => [rand() & 0xff, rand() & 0xff, rand() & 0xff] as const;
  const top = colour();
  const bottom = colour();
  const discs = Array.from({ length: 1 + (rand() % 4) }, () => ({
    x: (rand() % 1000) / 1000,
    y: (rand() % 1000) / 1000,
    r: 0.08 + (rand() % 1000) / 4000,
    c: colour(),
  }));
  const stripe = colour();
  const period = 6 + (rand() % 18);
  const stripeBand = (rand() % 1000) / 1000;
  const out = new Uint8Array(width * height * 3);
  const scale = Math.min(width, height);
  let i = 0;
  for (let y = 0; y < height; y++) {
    const t = height === 1 ? 0 : y / (height - 1);
    for (let x = 0; x < width; x++) {
      let r = top[0] + (bottom[0] - top[0]) * t;
      let g = top[1] + (bottom[1] - top[1]) * t;
      let b = top[2] + (bottom[2] - top[2]) * t;
      // Diagonal stripes across a horizontal band of the picture.
      if (Math.abs(t - stripeBand) < 0.12 && Math.floor((x + y) / period) % 2 === 0) {
        r = (r + stripe[0]) / 2;
        g = (g + stripe[1]) / 2;
        b = (b + stripe[2]) / 2;
      }
      for (const d of discs) {
        const dx = (x - d.x * width) / scale;
        const dy = (y - d.y * height) / scale;
        if (dx * dx + dy * dy < d.r * d.r) [r, g, b] = d.c;
      }
      // Grain, as in a photo: it makes the file bigger, so there is less of it in small files.
      const n = grain === 0 ? 0 : rand();
      const mask = grain - 1;
      const half = grain >> 1;
      out[i++] = Math.max(0, Math.min(255, r + (grain && (n & mask) - half)));
      out[i++] = Math.max(0, Math.min(255, g + (grain && ((n >>> 8) & mask) - half)));
      out[i++] = Math.max(0, Math.min(255, b + (grain && ((n >>> 16) & mask) - half)));
    }
  }
  return out;
}

/** Grain levels to try, most first, with the compressed bytes per pixel each costs (measured). */
const GRAINS: readonly (readonly [number, number])[] = [
  [4, 1.5],
  [2, 1.05],
  [0, 0.05],
];
/** Long side of a photo, in pixels, when the file is big enough for it. */
const LONG_SIDE = 200;

/**
 * A seeded picture whose PNG file is exactly `targetBytes` long (a filler chunk makes up the
 * difference), or the smallest picture (1x1, 69 bytes) when `targetBytes` is below that. Photos
 * are 200 pixels on their long side, with as much grain as the size allows; very small files
 * get smaller pictures. The same seed and size give the same bytes.
 */
export function drawPicture(seed: number, targetBytes: number): Picture {
  const [sw, sh] = SHAPES[(seed >>> 0) % SHAPES.length]!;
  let unit = LONG_SIDE / Math.max(sw, sh);
  for (;;) {
    const width = Math.max(1, Math.round(sw * unit));
    const height = Math.max(1, Math.round(sh * unit));
    const pixels = width * height;
    for (const [grain, cost] of GRAINS) {
      if (grain !== 0 && cost * pixels * 1.05 + 200 > targetBytes) continue;
      const rgb = render(width, height, seed, grain);
      const bytes = encodePng(width, height, rgb);
      const gap = targetBytes - bytes.length;
      if (gap === 0) return { bytes, width, height };
      if (gap >= CHUNK_OVERHEAD) return { bytes: withFiller(bytes, gap), width, height };
      // Too big, or 1..11 bytes short (too few for a filler chunk): less grain, or smaller.
    }
    if (width === 1 && height === 1) return { bytes: encodePng(1, 1, render(1, 1, seed, 0)), width: 1, height: 1 };
    unit *= 0.8;
  }
}
