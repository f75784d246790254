import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AnyBackupError,
  BackupError,
  type BackupErrorCode,
  type BackupErrorDetailsMap,
  isBackupError,
} from '../src/errors.js';
import { splitBackupStream } from '../src/frames/stream.js';
import type { ReferenceFindingCode } from '../src/validate/codes.js';

/** What a program does with a failure: branch on the code, read that code's details. */
function explain(e: unknown): string {
  if (!isBackupError(e)) return 'not ours';
  switch (e.code) {
    case 'FRAME_TOO_LARGE':
      expectTypeOf(e.details).toEqualTypeOf<BackupErrorDetailsMap['FRAME_TOO_LARGE']>();
      expectTypeOf(e.details.limit).toEqualTypeOf<number | undefined>();
      // @ts-expect-error: FRAME_TOO_LARGE has no `name` (that is STORAGE_ERROR's)
      void e.details.name;
      return `frame ${e.details.frameIndex} is ${e.details.length} bytes (limit ${e.details.limit})`;
    case 'ORDER_VIOLATION':
      expectTypeOf(e.details.finding).toEqualTypeOf<ReferenceFindingCode>();
      return `${e.details.finding} in frame ${e.details.frameIndex}`;
    case 'STORAGE_ERROR':
      expectTypeOf(e.details.name).toEqualTypeOf<string | undefined>();
      return `storage: ${e.details.name}`;
    case 'INVALID_FRAME':
      expectTypeOf(e.details.reason).toEqualTypeOf<'invalid-utf8' | 'too-deep' | 'unsafe-name' | undefined>();
      return e.details.reason ?? 'protobuf';
    default:
      expectTypeOf(e).toExtend<AnyBackupError>();
      return e.code;
  }
}

/** A switch that handles every code compiles with a `never` default (and would not if one were missing). */
function exhaustive(e: AnyBackupError): number {
  switch (e.code) {
    case 'INVALID_RECOVERY_KEY':
    case 'INVALID_METADATA':
    case 'TOKEN_DECRYPT_FAILED':
    case 'NOT_A_BACKUP':
    case 'UNSUPPORTED_VERSION':
    case 'TRUNCATED':
    case 'MAC_MISMATCH':
    case 'BAD_PADDING':
    case 'DECOMPRESSION_FAILED':
    case 'LIMIT_EXCEEDED':
    case 'EMPTY_INPUT':
    case 'TRUNCATED_FRAME':
    case 'FRAME_TOO_LARGE':
    case 'INVALID_VARINT':
    case 'INVALID_FRAME':
    case 'INVALID_JSON':
    case 'DIGEST_MISMATCH':
    case 'PLAINTEXT_HASH_MISMATCH':
    case 'SIZE_MISMATCH':
    case 'INVALID_BACKUP':
    case 'ORDER_VIOLATION':
    case 'STORAGE_ERROR':
    case 'NOT_FOUND':
    case 'LOCKED':
    case 'INVALID_CREDENTIAL':
    case 'VERIFICATION_FAILED':
    case 'AUTH_FAILED':
    case 'QUOTA_EXCEEDED':
    case 'RATE_LIMITED':
    case 'NETWORK':
    case 'SERVER_ERROR':
      return 1;
    default: {
      const none: never = e;
      return none;
    }
  }
}

describe('BackupError', () => {
  it('carries its code, its details and the cause as Error.cause', () => {
    const cause = new Error('inner');
    const e = new BackupError('DECOMPRESSION_FAILED', 'gzip data is corrupt', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('BackupError');
    expect(e.code).toBe('DECOMPRESSION_FAILED');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ cause });
    expectTypeOf(e).toEqualTypeOf<BackupError<'DECOMPRESSION_FAILED'>>();
    const bare = new BackupError('BAD_PADDING', 'bad padding');
    expect(bare.details).toEqual({});
    expect('cause' in bare).toBe(false);
  });

  it('narrows details by code in a switch, on an error the library threw', async () => {
    let thrown: unknown;
    try {
      // A 3-byte BackupInfo followed by a length prefix of 2^20 with a 100-byte limit.
      for await (const _ of splitBackupStream([Uint8Array.of(3, 8, 1, 16, 0x80, 0x80, 0x40)], { maxFrameBytes: 100 })) {
      }
    } catch (e) {
      thrown = e;
    }
    expect(explain(thrown)).toBe('frame 1 is 1048576 bytes (limit 100)');
    expect(explain(new BackupError('STORAGE_ERROR', 'x', { name: 'files/ab' }))).toBe('storage: files/ab');
    expect(explain(new BackupError('ORDER_VIOLATION', 'x', { finding: 'UNKNOWN_CHAT', frameIndex: 4 }))).toBe(
      'UNKNOWN_CHAT in frame 4',
    );
    expect(explain(new BackupError('NOT_A_BACKUP', 'x'))).toBe('NOT_A_BACKUP');
    expect(explain(new Error('x'))).toBe('not ours');
    expect(exhaustive(new BackupError('NOT_FOUND', 'x', { missing: 2 }))).toBe(1);
  });

  it('isBackupError: any copy of the class, optionally one code, narrowing to that code', () => {
    // What another copy of the package throws: same name and code, another class.
    const foreign = Object.assign(new Error('x'), { name: 'BackupError', code: 'TRUNCATED', details: { offset: 7 } });
    expect(isBackupError(foreign)).toBe(true);
    expect(isBackupError(foreign, 'TRUNCATED')).toBe(true);
    expect(isBackupError(foreign, 'MAC_MISMATCH')).toBe(false);
    expect(isBackupError({ name: 'BackupError' })).toBe(false);
    expect(isBackupError({ name: 'Error', code: 'TRUNCATED' })).toBe(false);
    expect(isBackupError(null)).toBe(false);
    expect(isBackupError('BackupError')).toBe(false);
    const e: unknown = foreign;
    if (isBackupError(e, 'TRUNCATED')) {
      expectTypeOf(e).toEqualTypeOf<BackupError<'TRUNCATED'>>();
      expectTypeOf(e.details.offset).toEqualTypeOf<number | undefined>();
      expect(e.details.offset).toBe(7);
    }
    if (isBackupError(e)) expectTypeOf(e).toEqualTypeOf<AnyBackupError>();
    const code: BackupErrorCode | undefined = undefined;
    expect(isBackupError(foreign, code)).toBe(true);
  });

  it('rejects details of the wrong shape at compile time', () => {
    // Each line below is a type error (checked by `npm run typecheck`); at run time they construct fine.
    const wrong = [
      // @ts-expect-error: TRUNCATED has no `name`
      new BackupError('TRUNCATED', 'x', { name: 'file' }),
      // @ts-expect-error: `offset` is a number
      new BackupError('TRUNCATED', 'x', { offset: '12' }),
      // @ts-expect-error: ORDER_VIOLATION needs its finding
      new BackupError('ORDER_VIOLATION', 'x'),
      // @ts-expect-error: BODY_TOO_LONG is not a reference finding
      new BackupError('ORDER_VIOLATION', 'x', { finding: 'BODY_TOO_LONG' }),
      // @ts-expect-error: INVALID_BACKUP's finding is a FindingCode
      new BackupError('INVALID_BACKUP', 'x', { finding: 'NOT_A_FINDING' }),
      // @ts-expect-error: the only reason INVALID_FRAME gives is 'invalid-utf8'
      new BackupError('INVALID_FRAME', 'x', { reason: 'too-long' }),
      // @ts-expect-error: not a code
      new BackupError('OOPS', 'x'),
    ];
    expect(wrong.every((e) => e instanceof BackupError)).toBe(true);
    // The right shapes compile.
    const right = [
      new BackupError('TRUNCATED', 'x', { offset: 12 }),
      new BackupError('INVALID_BACKUP', 'x', { finding: 'BODY_TOO_LONG', chatId: 3n, dateSent: 5n }),
      new BackupError('INVALID_FRAME', 'x', { reason: 'invalid-utf8', offset: 3, cause: new Error('utf8') }),
      new BackupError('INVALID_RECOVERY_KEY', 'x', { position: 4 }),
    ];
    expect(right.map((e) => e.code)).toEqual(['TRUNCATED', 'INVALID_BACKUP', 'INVALID_FRAME', 'INVALID_RECOVERY_KEY']);
  });
});
