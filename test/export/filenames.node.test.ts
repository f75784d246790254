/** Attachment file names from a backup are attacker-controlled: what the directory writer makes of them. */

import { describe, expect, it } from 'vitest';
import { safeFileName } from '../../src/node/export.js';

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

describe('safeFileName (hostile names from a backup)', () => {
  it('never yields a path: separators, dots, NUL and controls are neutralised', () => {
    for (const fileName of [
      '../../etc/passwd',
      '/etc/passwd',
      '..',
      '.',
      'a\\..\\b',
      'x\u0000y',
      'a\nb',
      '.hidden',
      'C:\\x',
    ]) {
      const name = safeFileName({ fileName, contentType: 'image/jpeg' });
      expect(name, fileName).not.toMatch(/[/\\\u0000-\u001f]/);
      expect(name.startsWith('.'), fileName).toBe(false);
      expect(name.length).toBeGreaterThan(0);
    }
    expect(safeFileName({ fileName: '../../etc/passwd' })).toBe('passwd');
    expect(safeFileName({ fileName: '..', contentType: 'image/png' })).toBe('attachment.png');
  });

  it('keeps names within 200 UTF-8 bytes, cut at a character, keeping a short extension', () => {
    for (const fileName of [
      `${'a'.repeat(300)}.jpg`,
      `${'漢'.repeat(99)}.jpg`,
      `${'😀'.repeat(80)}.png`,
      '字'.repeat(500),
    ]) {
      const name = safeFileName({ fileName });
      expect(utf8Bytes(name), fileName.slice(0, 8)).toBeLessThanOrEqual(200);
      expect(name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      if (/\.(jpg|png)$/.test(fileName)) expect(name.slice(-4)).toBe(fileName.slice(-4));
    }
    // Short names are left alone.
    expect(safeFileName({ fileName: 'holiday photo.jpg' })).toBe('holiday photo.jpg');
  });
});
