/** The package's entry points (package.json "exports", without ./package.json) and their source files. */
export const ENTRY_SOURCES: Record<string, string> = {
  sbackup: 'src/index.ts',
  'sbackup/keys': 'src/keys/index.ts',
  'sbackup/frames': 'src/frames/index.ts',
  'sbackup/schema': 'src/schema/index.ts',
  'sbackup/container': 'src/container/index.ts',
  'sbackup/media': 'src/media/index.ts',
  'sbackup/incremental': 'src/incremental/index.ts',
  'sbackup/policy': 'src/policy/index.ts',
  'sbackup/validate': 'src/validate/index.ts',
  'sbackup/backends': 'src/backends/index.ts',
  'sbackup/export': 'src/export/index.ts',
  'sbackup/merge': 'src/merge/index.ts',
  'sbackup/hosted': 'src/hosted/index.ts',
  'sbackup/node': 'src/node/index.ts',
  'sbackup/testing': 'src/testing/index.ts',
};
