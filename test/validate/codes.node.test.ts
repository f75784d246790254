import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ERROR_FINDING_CODES,
  type ErrorFindingCode,
  FINDING_CODES,
  type FindingCode,
  isReferenceFindingCode,
  REFERENCE_FINDING_CODES,
  UNKNOWN_CONTENT_CODES,
  WARNING_FINDING_CODES,
  type WarningFindingCode,
} from '../../src/validate/codes.js';
import { type Finding, ValidationState } from '../../src/validate/context.js';
import { BackupValidator, type ValidationResult } from '../../src/validate/validator.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'src/validate');

/** A code the validator reports in its source, with how: s.error, s.warn, or a code-typed helper. */
interface Emitted {
  code: string;
  how: 'error' | 'warn' | 'unknown';
  /** The message argument's text as written (template or string), when the call has one. */
  message: string;
  file: string;
}

/**
 * Reads src/validate/ with the TypeScript parser (not the checker) and lists every code passed to
 * `*.error(...)` / `*.warn(...)`, to the completion checks' `unique(...)` helper, and the codes of
 * unknown-content findings. This is independent of the FindingCode type: it catches a code that
 * reached the validator through a cast.
 */
function emittedCodes(): Emitted[] {
  const out: Emitted[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'codes.ts')) {
    const text = readFileSync(join(dir, file), 'utf8');
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const callee = n.expression.getText(src);
        const args = n.arguments;
        const how = /(?:^|\.)(error|warn)$/.exec(callee)?.[1] as 'error' | 'warn' | undefined;
        if (how && args[0] && ts.isStringLiteral(args[0])) {
          out.push({ code: args[0].text, how, message: args[1]?.getText(src) ?? '', file });
        } else if (how && args[0]) {
          // A code passed through a variable must come from a helper whose call sites are read below.
          expect(`${file}: ${n.getText(src)}`).toMatch(/s\.error\(code, /);
        }
        if (callee === 'unique' && args[3] && ts.isStringLiteral(args[3])) {
          out.push({ code: args[3].text, how: 'error', message: args[4]?.getText(src) ?? '', file });
        }
      }
      if (ts.isStringLiteral(n) && /^UNKNOWN_(FIELD|ENUM_VALUE)$/.test(n.text) && file === 'validator.ts') {
        out.push({ code: n.text, how: 'unknown', message: '', file });
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return out;
}

describe('FindingCode: the codes the validator reports', () => {
  const emitted = emittedCodes();

  it('every code the validator reports is in the union, and every code of the union is reported', () => {
    expect(emitted.length).toBeGreaterThan(250);
    const reported = new Set(emitted.map((e) => e.code));
    expect([...reported].sort()).toEqual([...FINDING_CODES].sort());
  });

  it('errors are reported as errors and warnings as warnings', () => {
    const errors = new Set<string>(ERROR_FINDING_CODES);
    const warnings = new Set<string>(WARNING_FINDING_CODES);
    for (const e of emitted) {
      if (e.how === 'error') expect(errors.has(e.code), `${e.file}: ${e.code}`).toBe(true);
      if (e.how === 'warn') expect(warnings.has(e.code), `${e.file}: ${e.code}`).toBe(true);
      if (e.how === 'unknown') expect(UNKNOWN_CONTENT_CODES).toContain(e.code);
    }
  });

  it('the three lists do not overlap, and FINDING_CODES is their union', () => {
    const all = [...ERROR_FINDING_CODES, ...WARNING_FINDING_CODES, ...UNKNOWN_CONTENT_CODES];
    expect(new Set(all).size).toBe(all.length);
    expect(FINDING_CODES).toEqual(all);
    expect(Object.isFrozen(FINDING_CODES)).toBe(true);
    expect(Object.isFrozen(ERROR_FINDING_CODES)).toBe(true);
  });

  it('the reference codes are exactly the errors about a record not given before ("… (yet)")', () => {
    const byMessage = new Set(emitted.filter((e) => e.message.includes('(yet)')).map((e) => e.code));
    expect([...byMessage].sort()).toEqual([...REFERENCE_FINDING_CODES].sort());
    for (const code of REFERENCE_FINDING_CODES) {
      expect(isReferenceFindingCode(code)).toBe(true);
      // Reported only with that wording.
      for (const e of emitted.filter((x) => x.code === code)) expect(e.message).toContain('(yet)');
    }
    expect(isReferenceFindingCode('BODY_TOO_LONG')).toBe(false);
    expect(isReferenceFindingCode('UNKNOWN_APP_THEME')).toBe(false);
  });

  it('a validator run reports codes of the right kind (types and values)', () => {
    const v = new BackupValidator();
    v.pushBackupInfo({ version: 2n, backupTimeMs: 0n, mediaRootBackupKey: new Uint8Array(31) });
    v.push({});
    const r: ValidationResult = v.finish();
    expectTypeOf(r.errors).toEqualTypeOf<Finding<ErrorFindingCode>[]>();
    expectTypeOf(r.warnings).toEqualTypeOf<Finding<WarningFindingCode>[]>();
    expect(r.errors.map((e) => e.code)).toEqual([
      'INVALID_MEDIA_ROOT_KEY',
      'EMPTY_FRAME',
      'MISSING_ACCOUNT_DATA',
      'MISSING_SELF_RECIPIENT',
    ]);
    expect(r.warnings.map((e) => e.code)).toEqual(['TIMESTAMP_ZERO', 'UNUSUAL_VERSION']);
    for (const e of r.errors) expect(ERROR_FINDING_CODES).toContain(e.code);
    // A switch on a finding's code narrows like any string-literal union.
    const first: Finding = r.errors[0]!;
    switch (first.code) {
      case 'INVALID_MEDIA_ROOT_KEY':
        expectTypeOf(first.code).toEqualTypeOf<'INVALID_MEDIA_ROOT_KEY'>();
        break;
      default:
        expectTypeOf(first.code).toExtend<FindingCode>();
        throw new Error(`unexpected ${first.code}`);
    }
  });

  it('the validator state takes only codes of the right kind (compile-time)', () => {
    const s = new ValidationState('remote', 10);
    s.error('BODY_TOO_LONG', 'an error code as an error');
    s.warn('TIMESTAMP_ZERO', 'a warning code as a warning');
    // @ts-expect-error: not a finding code
    s.error('BODY_TOO_LONGG', 'a typo');
    // @ts-expect-error: a warning code is not an error code
    s.error('TIMESTAMP_ZERO', 'a warning code as an error');
    // @ts-expect-error: an error code is not a warning code
    s.warn('BODY_TOO_LONG', 'an error code as a warning');
    expect(s.errors.length).toBe(3);
    expect(s.warnings.length).toBe(2);
  });
});

describe('docs/format.md §8.3 lists every finding code', () => {
  const spec = readFileSync(join(root, 'docs/format.md'), 'utf8');
  const section = spec.slice(spec.indexOf('### 8.3'), spec.indexOf('## 9.'));
  /** The codes of the list item that starts with `- **label**`, in order. */
  const item = (label: string): string[] => {
    const start = section.indexOf(`- **${label}**`);
    expect(start, label).toBeGreaterThan(0);
    const end = section.indexOf('\n-', start + 1);
    const text = section.slice(
      start,
      end < 0 ? section.indexOf('\n\n', start) : Math.min(end, section.indexOf('\n\n', start)),
    );
    return [...text.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
  };

  it('errors, warnings and unknown content, each list equal to the code (sorted)', () => {
    expect(item('errors')).toEqual([...ERROR_FINDING_CODES].sort());
    expect(item('warnings')).toEqual([...WARNING_FINDING_CODES].sort());
    expect(item('unknown content')).toEqual([...UNKNOWN_CONTENT_CODES].sort());
    expect(section).toContain(`**errors** (${ERROR_FINDING_CODES.length})`);
    expect(section).toContain(`**warnings** (${WARNING_FINDING_CODES.length})`);
  });

  it('the reference codes the writer reports as ORDER_VIOLATION', () => {
    const start = section.indexOf('Of the errors, these are references');
    const text = section.slice(start, section.indexOf('\n\n', start));
    const listed = [...text.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!).filter((c) => c !== 'ORDER_VIOLATION');
    expect(listed).toEqual([...REFERENCE_FINDING_CODES].sort());
  });

  it('every code the rule table names is a finding code', () => {
    const table = section.slice(0, section.indexOf('Every finding code'));
    const named = [...table.matchAll(/`([A-Z][A-Z0-9_]{3,})`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(50);
    const codes = new Set<string>(FINDING_CODES);
    for (const code of named) expect(codes.has(code), code).toBe(true);
  });
});
