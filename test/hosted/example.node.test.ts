/**
 * The hosted-backup example (examples/hosted.ts, shown in the README) runs as written against
 * Signal's mock server 22.x: back up a synthetic account with its media, restore it, and get the
 * same content and media back. The README's block is the example file, byte for byte.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';
import { ENTRY_SOURCES } from '../helpers/entries.js';
import { type MockServer, startMockServer } from '../helpers/mockServer.js';

const root = join(import.meta.dirname, '..', '..');
const exampleText = readFileSync(join(root, 'examples', 'hosted.ts'), 'utf8');

/** The example with its package imports pointed at the sources (as the README's samples run). */
interface Example {
  backUp(
    a: object,
    content: unknown,
    media: Map<string, Uint8Array>,
  ): Promise<{ mediaUploaded: number; mediaCopied: number }>;
  restore(a: object): Promise<{ content: Parameters<BackupWriter['plaintext']>[0]; media: Map<string, Uint8Array> }>;
}

async function loadExample(): Promise<Example> {
  const code = exampleText.replaceAll(/from '(sbackup(?:\/[a-z]+)?)'/g, (_, spec: string) => {
    const source = ENTRY_SOURCES[spec];
    if (source === undefined) throw new Error(`the example imports ${spec}, which is not an entry point`);
    return `from '${pathToFileURL(join(root, source)).href}'`;
  });
  const dir = join(root, 'test-output', 'examples');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'hosted.ts');
  writeFileSync(path, code);
  return import(pathToFileURL(path).href);
}

async function plaintext(content: Parameters<BackupWriter['plaintext']>[0], key: { recoveryKey: string; aci: string }) {
  const parts: Uint8Array[] = [];
  for await (const c of new BackupWriter({ purpose: 'remote', key }).plaintext(content)) parts.push(c);
  return concatByteList(parts);
}

describe('examples/hosted.ts', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer(22);
  });
  afterAll(async () => {
    await mock?.close();
  });

  it('is the README block under "Hosted backups"', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
    expect(blocks).toContain(exampleText);
  });

  it('backs up and restores a synthetic account with its media against mock-server 22', {
    timeout: 60_000,
  }, async () => {
    const { backUp, restore } = await loadExample();
    const acc = generateSyntheticAccount({
      seed: 11,
      contacts: 4,
      groups: 1,
      messages: 150,
      attachments: 6,
      attachmentBytes: [500, 8_000],
      startMs: Date.now() - 5 * 86_400_000,
    });
    const media = new Map(acc.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext] as const));
    const account = {
      recoveryKey: acc.recoveryKey,
      aci: mock.aci,
      login: mock.login,
      password: mock.password,
      server: mock.url,
      ca: mock.ca,
      zkParams: mock.zkParams,
    };
    // A BackupContent's frames are read once: the comparison below takes a fresh one.
    const report = await backUp(account, acc.backupContent(), media);
    expect(report.mediaUploaded).toBeGreaterThan(0);
    expect(report.mediaUploaded).toBe(report.mediaCopied);

    const back = await restore(account);
    const key = { recoveryKey: acc.recoveryKey, aci: mock.aci };
    expect(toHex(await plaintext(back.content, key))).toBe(toHex(await plaintext(acc.backupContent(), key)));
    expect(back.media.size).toBe(report.mediaUploaded);
    const originals = new Set([...media.values()].map(toHex));
    for (const bytes of back.media.values()) expect(originals.has(toHex(bytes))).toBe(true);
  });
});
