/** The viewer's backup finder over picked files: the same shapes `sbackup` accepts on disk. */

import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { BlobStorage } from '../../src/incremental/blobStorage.js';
import { readAll } from '../../src/incremental/storage.js';
import { findBackupFolder } from '../../viewer/src/findFolder.js';

const SNAP = 'signal-backup-2025-01-02-03-04-05';
const file = (text = '') => new File([text], 'f');
const picked = (paths: string[]) => paths.map((path) => ({ path, file: file(path) }));

describe('findBackupFolder', () => {
  it('takes the SignalBackups folder itself', () => {
    const found = findBackupFolder(
      picked([`SignalBackups/${SNAP}/main`, `SignalBackups/${SNAP}/metadata`, 'SignalBackups/files/ab/abcd']),
    );
    expect(found.files.map(([n]) => n)).toEqual([`${SNAP}/main`, `${SNAP}/metadata`, 'files/ab/abcd']);
    expect(found.snapshot).toBeUndefined();
  });

  it('takes a folder that looks like one, whatever its name', () => {
    const found = findBackupFolder(picked([`Copy of backup/${SNAP}/main`, 'Copy of backup/files/ab/abcd']));
    expect(found.files.map(([n]) => n)).toEqual([`${SNAP}/main`, 'files/ab/abcd']);
  });

  it('takes the folder chosen on the phone (holding SignalBackups), ignoring its other files', () => {
    const found = findBackupFolder(
      picked(['Phone/notes.txt', `Phone/SignalBackups/${SNAP}/main`, 'Phone/SignalBackups/files/ab/abcd']),
    );
    expect(found.files.map(([n]) => n)).toEqual([`${SNAP}/main`, 'files/ab/abcd']);
    expect(found.picked).toBe('Phone/SignalBackups');
  });

  it('takes one snapshot directory, naming it', () => {
    const found = findBackupFolder(picked([`${SNAP}/main`, `${SNAP}/files`]));
    expect(found.snapshot).toBe(SNAP);
    expect(found.files.map(([n]) => n)).toEqual([`${SNAP}/main`, `${SNAP}/files`]);
  });

  it('refuses anything else with NOT_FOUND', () => {
    for (const paths of [[], ['Photos/a.jpg', 'Photos/b.jpg'], ['Phone/SignalBackups/files/ab/abcd'], [`X/${SNAP}`]]) {
      let error: unknown;
      try {
        findBackupFolder(picked(paths));
      } catch (e) {
        error = e;
      }
      expect(isBackupError(error, 'NOT_FOUND')).toBe(true);
    }
  });

  it('feeds a read-only BlobStorage', async () => {
    const found = findBackupFolder(picked([`SignalBackups/${SNAP}/main`, 'SignalBackups/files/ab/abcd']));
    const storage = new BlobStorage(found.files);
    expect(new TextDecoder().decode(await readAll(storage, `${SNAP}/main`))).toBe(`SignalBackups/${SNAP}/main`);
    expect(await storage.stat('files/ab/abcd')).toBe('SignalBackups/files/ab/abcd'.length);
    expect(await storage.stat('nothing')).toBeUndefined();
    expect((await storage.children('')).sort()).toEqual(['files', SNAP]);
    expect(await storage.children('files')).toEqual(['ab']);
    expect((await storage.list('files')).map((e) => e.name)).toEqual(['files/ab/abcd']);
    await expect(storage.put()).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await expect(storage.delete()).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await expect(readAll(storage, 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
