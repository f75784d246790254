/**
 * Short, real audio clips for the synthetic account's voice notes: RIFF/WAVE files of 8-bit
 * unsigned mono PCM at 8 kHz (a 44-byte header, then the samples), holding a seeded hum that
 * rises and falls like speech, so that an `<audio>` element plays every demo voice note.
 */

/** Samples per second. */
const RATE = 8000;
/** Bytes before the samples: the RIFF header, the `fmt ` chunk and the `data` chunk header. */
const HEADER = 44;

/**
 * A seeded clip whose file is `targetBytes` long, rounded down to an even size (RIFF chunks are
 * padded to even lengths), with at least 800 samples (0.1 s).
 */
export function toneClip(seed: number, targetBytes: number): Uint8Array {
  const samples = Math.max(800, (targetBytes - HEADER) & ~1);
  const out = new Uint8Array(HEADER + samples);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true); // fmt chunk size
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, RATE, true); // sample rate
  v.setUint32(28, RATE, true); // byte rate (1 byte per sample)
  v.setUint16(32, 1, true); // block align
  v.setUint16(34, 8, true); // bits per sample
  ascii(36, 'data');
  v.setUint32(40, samples, true);
  // A voice-like hum: a pitch between 110 and 330 Hz with its second harmonic, in "syllables"
  // of 3 to 6 per second, faded in and out over 20 ms.
  const s = seed >>> 0;
  const pitch = 110 + (s % 221);
  const syllables = 3 + ((s >>> 8) % 4);
  const fade = Math.min(160, samples / 2);
  for (let i = 0; i < samples; i++) {
    const t = i / RATE;
    const envelope = Math.min(1, i / fade, (samples - 1 - i) / fade) * Math.abs(Math.sin(Math.PI * syllables * t));
    const wave = 0.7 * Math.sin(2 * Math.PI * pitch * t) + 0.3 * Math.sin(4 * Math.PI * pitch * t);
    out[HEADER + i] = Math.round(128 + 100 * envelope * wave);
  }
  return out;
}
