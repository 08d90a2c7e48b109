/**
 * Property tests. (1) On any input (random text, token soup, mutations and prefixes
 * of valid statements) parse throws nothing but a SYNTAX StrataError whose position is
 * inside the text, and complete never throws. (2) For any statement, the printed text
 * parses back to the same statement, in any letter case and within scripts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Statement, complete, parse, print } from '../../grammar/index.ts';
import { KEYWORDS } from '../../grammar/tokens.ts';
import { StrataError } from '../../src/errors.ts';
import { examples } from './examples.ts';
import { outsideQuotes } from './quotes.ts';

const U64_MAX = 2n ** 64n - 1n;

/** Parses `text` and checks that it either succeeds or fails with a well-formed SYNTAX error. */
function parsesOrSyntaxError(text: string): void {
  try {
    parse(text);
  } catch (e) {
    if (!(e instanceof StrataError) || e.code !== 'SYNTAX') throw new Error(`parse threw something else than SYNTAX on ${JSON.stringify(text)}`, { cause: e });
    const m = /^syntax error at line (\d+), column (\d+): \S/.exec(e.message);
    expect(m, e.message).not.toBeNull();
    const lines = text.split(/\r\n?|\n/);
    const line = Number(m?.[1]);
    const column = Number(m?.[2]);
    expect(line).toBeGreaterThanOrEqual(1);
    expect(line).toBeLessThanOrEqual(lines.length);
    expect(column).toBeGreaterThanOrEqual(1);
    expect(column).toBeLessThanOrEqual((lines[line - 1]?.length ?? 0) + 1);
  }
  const words = complete(text);
  expect(Array.isArray(words) && words.every((w) => typeof w === 'string')).toBe(true);
}

const texts = examples.map(([text]) => text);
const soupWords = [
  ...KEYWORDS, 'hot', 'x', '"Q"', '5', '0', '10G', '6h', "'s'", '(', ')', ',', ';', '--', '18446744073709551616', '1.5', '@', "'", '"',
];
const alphabet = [...'abcdefghijklmnopqrstuvwxyzSETHOWAL0123456789_ \n\t\r\'"(),;-@.é😀'];

/** One edit of a text: insert, delete, replace or duplicate at a position. */
const edit = fc.record({
  op: fc.constantFrom('insert', 'delete', 'replace', 'duplicate', 'truncate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 8 }),
  char: fc.constantFrom(...alphabet),
});

function applyEdit(text: string, e: { op: string; at: number; len: number; char: string }): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.op) {
    case 'insert':
      return text.slice(0, at) + e.char + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.len);
    case 'replace':
      return text.slice(0, at) + e.char + text.slice(at + 1);
    case 'duplicate':
      return text.slice(0, at + e.len) + text.slice(at);
    default:
      return text.slice(0, at);
  }
}

describe('parse throws nothing but SYNTAX', () => {
  test('random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), parsesOrSyntaxError), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 80 }), parsesOrSyntaxError), { numRuns: 2000 });
  });

  test('token soup', () => {
    const soup = fc.array(fc.constantFrom(...soupWords), { maxLength: 14 }).map((ws) => ws.join(' '));
    fc.assert(fc.property(soup, parsesOrSyntaxError), { numRuns: 4000 });
  });

  test('mutations of valid statements', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...texts), fc.array(edit, { minLength: 1, maxLength: 4 }))
      .map(([text, edits]) => edits.reduce(applyEdit, text));
    fc.assert(fc.property(mutated, parsesOrSyntaxError), { numRuns: 4000 });
  });

  test('shuffled and dropped tokens of valid statements', () => {
    const shuffled = fc
      .tuple(fc.constantFrom(...texts), fc.array(fc.nat(), { maxLength: 30 }), fc.nat())
      .map(([text, keys, drop]) => {
        const words = text.split(/\s+/);
        const order = words.map((w, i) => ({ w, k: keys[i] ?? i }));
        order.sort((a, b) => a.k - b.k);
        return order.filter((_, i) => words.length < 2 || i !== drop % words.length).map((o) => o.w).join(' ');
      });
    fc.assert(fc.property(shuffled, parsesOrSyntaxError), { numRuns: 3000 });
  });

  test('every prefix of every valid statement', () => {
    for (const text of texts) {
      for (let i = 0; i <= text.length; i++) parsesOrSyntaxError(text.slice(0, i));
    }
  });
});

// --- statements

const u64 = fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.bigInt({ min: 0n, max: 100_000n }), fc.constantFrom(0n, 1n, U64_MAX, 1n << 30n, 3_600_000_000n));
const name = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/),
  fc.constantFrom(...KEYWORDS.map((k) => k.toLowerCase()), 'hot', 'cold', 'main'),
  fc.constantFrom('Hot', 'a"b', "it's", 'with space', '-- x', ';', '"', '1abc', 'É'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
);
const str = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom("'", "''", "it's", '"', '\n', '-- x', ''));
const value = fc.oneof(u64, fc.bigInt({ min: -1000n, max: -1n }), str, fc.boolean());
const options = fc.array(fc.record({ name, value }), { maxLength: 4 });
const range = fc.record({ min: u64, max: u64 });
const limit = fc.record({ name: fc.constantFrom('partitions' as const, 'size' as const, 'events' as const, 'duration' as const), value: u64 });
const tiers = fc.array(fc.record({ storage: name, limits: fc.array(limit, { maxLength: 4 }) }), { minLength: 1, maxLength: 4 });
const on = fc.constantFrom('storage' as const, 'cloud' as const, null);
const orNull = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null });
const k = <K extends string>(kind: K) => fc.constant(kind);

const statement: fc.Arbitrary<Statement> = fc.oneof(
  fc.record({ kind: k('set'), name, value }),
  fc.record({ kind: k('show_config'), name: orNull(name) }),
  fc.record({ kind: k('show_settings'), names: fc.array(name, { minLength: 1, maxLength: 4 }) }),
  fc.constantFrom(
    { kind: 'show_storages' } as const, { kind: 'show_pipeline' } as const, { kind: 'show_clouds' } as const,
    { kind: 'show_memory' } as const, { kind: 'show_wal' } as const, { kind: 'show_operations' } as const,
    { kind: 'show_orphans' } as const, { kind: 'checkpoint' } as const, { kind: 'alter_pipeline_reset' } as const,
    { kind: 'drop_orphans' } as const,
  ),
  fc.record({ kind: k('show_storage'), name }),
  fc.record({ kind: k('show_partitions'), storage: orNull(name) }),
  fc.record({ kind: k('show_partition'), id: u64 }),
  fc.record({ kind: k('show_cloud'), name }),
  fc.record({ kind: k('rebalance'), explain: fc.boolean() }),
  fc.record({ kind: k('create_cloud'), ifNotExists: fc.boolean(), name, options }),
  fc.record({ kind: k('alter_cloud_rename'), ifExists: fc.boolean(), name, to: name }),
  fc.record({ kind: k('alter_cloud_set'), ifExists: fc.boolean(), name, options }),
  fc.record({ kind: k('drop_cloud'), ifExists: fc.boolean(), name }),
  fc.record({ kind: k('create_storage'), ifNotExists: fc.boolean(), name, options }),
  fc.record({ kind: k('alter_storage_rename'), ifExists: fc.boolean(), name, to: name }),
  fc.record({ kind: k('alter_storage_set'), ifExists: fc.boolean(), name, options }),
  fc.record({ kind: k('drop_storage'), ifExists: fc.boolean(), name }),
  fc.record({ kind: k('alter_pipeline'), tiers }),
  fc.record({ kind: k('create_partition'), min: u64, max: u64 }),
  fc.record({ kind: k('drop_partition'), ifExists: fc.boolean(), id: u64, on }),
  fc.record({ kind: k('drop_partitions'), range, on }),
  fc.record({ kind: k('move_partition'), ifExists: fc.boolean(), id: u64, storage: name }),
  fc.record({ kind: k('move_partitions'), range, storage: name }),
  fc.record({ kind: k('refresh_partition'), ifExists: fc.boolean(), id: u64 }),
  fc.record({ kind: k('refresh_partitions'), range }),
  fc.record({ kind: k('upload_partition'), ifExists: fc.boolean(), id: u64, ifCloud: fc.boolean() }),
  fc.record({ kind: k('upload_partitions'), range, ifCloud: fc.boolean() }),
  fc.record({ kind: k('download_partition'), ifExists: fc.boolean(), id: u64, ifCloud: fc.boolean() }),
  fc.record({ kind: k('download_partitions'), range, ifCloud: fc.boolean() }),
  fc.record({ kind: k('insert'), id: u64, key: orNull(str), value: str }),
  fc.record({ kind: k('delete'), id: u64, key: orNull(str) }),
  fc.record({ kind: k('select'), from: orNull(u64), to: orNull(u64), limit: orNull(u64) }),
);

/** Flips the case of the characters outside quotes where `mask` says so. */
function recase(text: string, mask: readonly boolean[]): string {
  return outsideQuotes(text, (c, i) => ((mask[i % Math.max(mask.length, 1)] ?? false) ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c));
}

describe('parse(print(s)) is s', () => {
  test('one statement', () => {
    fc.assert(
      fc.property(statement, (s) => {
        const text = print(s);
        const parsed = parse(text);
        expect(parsed.map((p) => p.statement)).toEqual([s]);
        expect(parsed[0]?.text).toBe(text);
        expect(parsed[0]?.line).toBe(1);
      }),
      { numRuns: 3000 },
    );
  });

  test('in any letter case', () => {
    fc.assert(
      fc.property(statement, fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (s, mask) => {
        expect(parse(recase(print(s), mask)).map((p) => p.statement)).toEqual([s]);
      }),
      { numRuns: 2000 },
    );
  });

  test('in a script, each with its text and line', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 6 }), fc.constantFrom(';', ';\n', ' ;\n-- c\n', ';;\r\n'), (list, sep) => {
        const printed = list.map(print);
        const script = printed.join(sep);
        const parsed = parse(script);
        expect(parsed.map((p) => p.statement)).toEqual(list);
        let offset = 0;
        printed.forEach((text, i) => {
          const line = 1 + (script.slice(0, offset).match(/\r\n?|\n/g)?.length ?? 0);
          expect(parsed[i]?.text).toBe(text);
          expect(parsed[i]?.line).toBe(line);
          offset += text.length + sep.length;
        });
      }),
      { numRuns: 1000 },
    );
  });
});
