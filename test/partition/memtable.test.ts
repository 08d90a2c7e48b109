import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BatchBuilder, BATCH_HEADER, recIdLo, recSize, FLAG_DELETE } from '../../src/codec/index.ts';
import { Arena, Memtable, MemtableIterator, MergeIterator, PAGE_CAP } from '../../src/partition/index.ts';

/** Copies one record for (id, key, value|delete) into the arena; returns where. */
function put(arena: Arena, mt: Memtable, id: number, key: string, value: string | null): void {
  const b = new BatchBuilder();
  if (value === null) b.delete(id, key);
  else b.insert(id, key, value);
  const bytes = b.finish();
  const { slab, off } = arena.copy(bytes, BATCH_HEADER, bytes.length);
  mt.insert(slab, off);
}

function entries(mt: Memtable): string[] {
  const it = new MemtableIterator(mt);
  it.seek(new Uint8Array(14), 0, false);
  const out: string[] = [];
  while (it.valid) {
    const b = it.buf;
    const o = it.off;
    const klen = b[o + 12]!;
    const key = Buffer.from(b.subarray(o + 14, o + 14 + klen)).toString();
    const value = Buffer.from(b.subarray(o + 14 + klen, o + recSize(b, o))).toString();
    out.push(`${recIdLo(b, o)}/${key}=${(b[o + 13]! & FLAG_DELETE) !== 0 ? 'DEL' : value}`);
    it.next();
  }
  return out;
}

describe('memtable', () => {
  test('property: random inserts, replaces and deletes keep (id, key) order and the last write', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3000), fc.constantFrom('', 'a', 'b'), fc.option(fc.string({ maxLength: 8 }), { nil: null })), { maxLength: 4000 }),
        (ops) => {
          const arena = new Arena(64 * 1024);
          const mt = new Memtable(arena);
          const model = new Map<string, { id: number; key: string; v: string }>();
          for (const [id, key, v] of ops) {
            put(arena, mt, id, key, v);
            model.set(`${id}/${key}`, { id, key, v: v ?? 'DEL' });
          }
          const want = [...model.values()]
            .sort((a, b) => a.id - b.id || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
            .map((e) => `${e.id}/${e.key}=${e.v}`);
          expect(entries(mt)).toEqual(want);
          expect(mt.count).toBe(model.size);
          expect(mt.deletes).toBe([...model.values()].filter((e) => e.v === 'DEL').length);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('sequential appends fill pages completely', () => {
    const arena = new Arena();
    const mt = new Memtable(arena);
    for (let i = 0; i < PAGE_CAP * 3; i++) put(arena, mt, i, '', 'v');
    expect(mt.pages.map((p) => p.n)).toEqual([PAGE_CAP, PAGE_CAP, PAGE_CAP]);
  });

  test('an iterator sees inserts made while it is positioned, in order, without repeats', () => {
    const arena = new Arena();
    const mt = new Memtable(arena);
    for (let i = 0; i < 2000; i += 2) put(arena, mt, i, '', 'even');
    const merge = new MergeIterator([new MemtableIterator(mt)]);
    merge.seek(new Uint8Array(14), 0, false);
    const seen: number[] = [];
    while (merge.valid) {
      const id = recIdLo(merge.buf, merge.off);
      seen.push(id);
      // write odd ids ahead of and behind the cursor, splitting pages under it
      if (id % 100 === 0) for (let j = 1; j < 400; j += 2) put(arena, mt, (id + j * 7) % 2000 | 1, '', 'odd');
      merge.next();
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    const evens = seen.filter((x) => x % 2 === 0);
    expect(evens.length).toBe(1000);
  });

  test('delete markers hide events and are not returned by a merge', () => {
    const arena = new Arena();
    const older = new Memtable(arena);
    const newer = new Memtable(arena);
    for (let i = 0; i < 10; i++) put(arena, older, i, '', 'old');
    put(arena, newer, 3, '', null);
    put(arena, newer, 5, '', 'new');
    put(arena, newer, 42, '', null);
    const m = new MergeIterator([new MemtableIterator(older), new MemtableIterator(newer)]);
    m.seek(new Uint8Array(14), 0, false);
    const got: string[] = [];
    while (m.valid) {
      const klen = m.buf[m.off + 12]!;
      got.push(`${recIdLo(m.buf, m.off)}=${Buffer.from(m.buf.subarray(m.off + 14 + klen, m.off + recSize(m.buf, m.off))).toString()}`);
      m.next();
    }
    expect(got).toEqual(['0=old', '1=old', '2=old', '4=old', '5=new', '6=old', '7=old', '8=old', '9=old']);
  });
});
