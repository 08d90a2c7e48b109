// Memory is reused, and never while it can be read: a cursor's view stays intact until the
// cursor moves, events yielded by the iterators stay intact for good, a refresh job in a
// worker reads memtables whose neighbours' slabs are reused meanwhile, and under a steady
// load with refreshes the arena stops allocating (its counters in SHOW MEMORY).
import fc from 'fast-check';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, type Cursor, Strata } from '../../src/index.ts';
import { scan, sortRows, tempDir, type Row } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const KiB = 1024;

interface Memory {
  used: number;
  cache: number;
  arena_used: number;
  arena_free: number;
  arena_allocated: number;
  pages_used: number;
  pages_free: number;
  pages_allocated: number;
}

const memory = async (db: Strata): Promise<Memory> => (await db.execute('SHOW MEMORY')) as Memory;

/** Value bytes that tell writes apart. */
const valueOf = (id: number, salt: number, size: number): Buffer => Buffer.alloc(size, `<${id}:${salt}>`);

/** The record bytes a fast-path view points to, and a copy to check them against later. */
interface View {
  buf: Uint8Array;
  off: number;
  copy: Buffer;
}

function viewOf(c: Cursor): View {
  const e = c.event;
  const end = e.valueOffset + e.valueLength;
  return { buf: e.buffer, off: e.offset, copy: Buffer.from(e.buffer.subarray(e.offset, end)) };
}

const intact = (v: View): boolean => Buffer.from(v.buf.subarray(v.off, v.off + v.copy.length)).equals(v.copy);

/** An event an iterator yielded, with copies of its key and value. */
interface Yielded {
  key: Uint8Array;
  value: Uint8Array;
  keyCopy: Buffer;
  valueCopy: Buffer;
}

const yieldedIntact = (y: Yielded): boolean => Buffer.from(y.key).equals(y.keyCopy) && Buffer.from(y.value).equals(y.valueCopy);

type Op =
  | { kind: 'write'; p: number; n: number; size: number; key: boolean }
  | { kind: 'refresh' | 'drop' | 'move' | 'open'; p: number }
  | { kind: 'checkpoint' }
  | { kind: 'step' | 'close'; c: number; n: number }
  | { kind: 'iterate'; p: number; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), p: fc.nat(3), n: fc.integer({ min: 1, max: 300 }), size: fc.integer({ min: 0, max: 600 }), key: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('refresh' as const, 'drop' as const, 'move' as const), p: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('open' as const), p: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('step' as const, 'close' as const), c: fc.nat(7), n: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('iterate' as const), p: fc.nat(3), n: fc.integer({ min: 1, max: 2000 }) }) },
);

/**
 * Runs `ops` on a fresh database, checking after each that every view a cursor holds
 * (before its next move) and every event an iterator yielded is intact; returns whether
 * the run reused memory (allocated less than it wrote).
 */
async function runOps(dir: string, ops: readonly Op[]): Promise<boolean> {
      const db = await Strata.open(dir, { workers: 0, interval: 1000, mm_slab_size: 64 * KiB, mm_cache: 512 * KiB });
      await db.execute('CREATE STORAGE other');
      const model = new Map<string, Row>();
      const cursors: { c: Cursor; view: View }[] = [];
      const yielded: Yielded[] = [];
      let seq = 0;
      let written = 0;
      try {
        for (const op of ops) {
          switch (op.kind) {
            case 'write': {
              // ids spread over partition p; some replace earlier writes
              const b = new BatchBuilder();
              for (let i = 0; i < op.n; i++) {
                const id = op.p * 1000 + ((seq * 7 + i * 13) % 1000);
                const key = op.key ? `k${i % 3}` : '';
                const value = valueOf(id, seq, op.size);
                b.insert(id, key, value);
                model.set(`${id}/${key}`, { id: BigInt(id), key, value: value.toString('latin1') });
                written += 14 + key.length + op.size;
              }
              seq++;
              await db.write(b);
              break;
            }
            case 'refresh':
              await db.refresh(op.p * 1000).catch(() => undefined); // no partition: NOT_FOUND
              break;
            case 'checkpoint':
              await db.checkpoint();
              break;
            case 'drop':
              await db.execute(`DROP PARTITION IF EXISTS ${op.p * 1000}`);
              for (const [k, r] of model) if (r.id >= op.p * 1000 && r.id < op.p * 1000 + 1000) model.delete(k);
              break;
            case 'move': {
              const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; storage: string }[];
              const p = parts.find((x) => x.min === BigInt(op.p * 1000));
              if (p !== undefined) await db.execute(`MOVE PARTITION ${op.p * 1000} INTO ${p.storage === 'main' ? 'other' : 'main'}`);
              break;
            }
            case 'open': {
              const c = db.cursor({ from: op.p * 1000 });
              if (c.next()) cursors.push({ c, view: viewOf(c) });
              break;
            }
            case 'step':
            case 'close': {
              if (cursors.length === 0) break;
              const i = op.c % cursors.length;
              const h = cursors[i]!;
              if (op.kind === 'close') {
                h.c.close();
                cursors.splice(i, 1);
                break;
              }
              let more = true;
              for (let k = 0; k < op.n && more; k++) {
                expect(intact(h.view)).toBe(true); // valid until the cursor moves
                more = h.c.next();
                if (more) h.view = viewOf(h.c);
              }
              if (!more) cursors.splice(i, 1);
              break;
            }
            case 'iterate': {
              let n = 0;
              for (const e of db.cursor({ from: op.p * 1000 })) {
                yielded.push({ key: e.key, value: e.value, keyCopy: Buffer.from(e.key), valueCopy: Buffer.from(e.value) });
                if (++n >= op.n) break;
              }
              break;
            }
          }
          for (const h of cursors) expect(intact(h.view)).toBe(true);
          expect(yielded.every(yieldedIntact)).toBe(true);
        }
        for (const h of cursors) h.c.close();
        expect(scan(db)).toEqual(sortRows([...model.values()]));
        return (await memory(db)).arena_allocated < written;
      } finally {
        await db.close();
      }
}

test('property: no view is overwritten while its cursor has not moved, nor any event an iterator yielded, while writes, refreshes, checkpoints, drops and moves free and reuse slabs and pages', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 60 }), async (ops) => {
      await runOps(`${dir}/${run++}`, ops);
    }),
    { numRuns: 25 },
  );
  // and a sequence that surely frees and reuses memory under held views (else the
  // random ones might never see an overwrite)
  const reuses: Op[] = [
    { kind: 'write', p: 0, n: 300, size: 600, key: false },
    { kind: 'open', p: 0 },
    { kind: 'checkpoint' },
    { kind: 'write', p: 1, n: 300, size: 600, key: true },
    { kind: 'step', c: 0, n: 50 },
    { kind: 'drop', p: 0 },
    { kind: 'write', p: 2, n: 300, size: 600, key: false },
    { kind: 'iterate', p: 1, n: 100 },
    { kind: 'checkpoint' },
    { kind: 'write', p: 3, n: 300, size: 600, key: true },
    { kind: 'step', c: 0, n: 400 },
    { kind: 'checkpoint' },
    { kind: 'write', p: 0, n: 300, size: 600, key: false },
    { kind: 'checkpoint' },
    { kind: 'write', p: 1, n: 300, size: 600, key: false },
    { kind: 'checkpoint' },
    { kind: 'write', p: 2, n: 300, size: 600, key: false },
  ];
  expect(await runOps(`${dir}/fixed`, reuses)).toBe(true);
});

test('a refresh job in a worker merges memtables whose slabs are not reused while other partitions free and reuse theirs', async () => {
  const db = await Strata.open(dir, { workers: 1, interval: 1000, mm_slab_size: 64 * KiB, refresh_wm: 1 << 30 });
  try {
    const model: Row[] = [];
    for (let b = 0; b < 10; b++) {
      const batch = new BatchBuilder();
      for (let i = 0; i < 100; i++) {
        const id = b * 100 + i;
        batch.insert(id, undefined, valueOf(id, 1, 1000));
        model.push({ id: BigInt(id), key: '', value: valueOf(id, 1, 1000).toString('latin1') });
      }
      await db.write(batch);
    }
    const refreshed = db.refresh(0); // partition 0..999: ~1 MiB, merged in the worker
    // meanwhile partition 1000..1999 is written and dropped, again and again: its slabs
    // are freed and reused by the next round
    let churn = 0;
    for (let round = 0; round < 8; round++) {
      for (let b = 0; b < 5; b++) {
        const batch = new BatchBuilder();
        for (let i = 0; i < 100; i++) batch.insert(1000 + b * 100 + i, undefined, valueOf(i, 100 + round, 1000));
        await db.write(batch);
        churn += 100 * 1014;
      }
      await db.execute('DROP PARTITION 1000');
    }
    await refreshed;
    const m = await memory(db);
    expect(m.arena_allocated).toBeLessThan(churn); // slabs were reused meanwhile
    expect(scan(db)).toEqual(model);
  } finally {
    await db.close();
  }
});

test('under a steady load with refreshes the arena stops allocating; the free list stays within mm_cache', async () => {
  const db = await Strata.open(dir, { workers: 0, interval: 100_000, mm_slab_size: 64 * KiB, mm_cache: 1024 * KiB });
  try {
    const seen: Memory[] = [];
    let id = 0;
    for (let round = 0; round < 12; round++) {
      // ~400 KiB a round (batches of ~50 KiB), then a checkpoint frees the memtable
      for (let b = 0; b < 8; b++) {
        const batch = new BatchBuilder();
        for (let i = 0; i < 50; i++) batch.insert(id++, undefined, valueOf(id, round, 1000));
        await db.write(batch);
      }
      await db.checkpoint();
      const m = await memory(db);
      expect(m.arena_free + m.pages_free).toBeLessThanOrEqual(m.cache);
      seen.push(m);
    }
    const last = seen.at(-1)!;
    for (const m of seen.slice(3)) expect([m.arena_allocated, m.pages_allocated]).toEqual([last.arena_allocated, last.pages_allocated]);
    expect(last.arena_allocated).toBeLessThan(12 * 4 * 100 * 1014 / 4); // a fraction of what was written
    expect(last.used).toBe(0);
    expect(last.arena_used).toBe(64 * KiB); // the slab being filled
    // mm_cache 0: memory freed goes to the garbage collector, and the arena allocates again
    await db.execute('SET mm_cache TO 0');
    for (let b = 0; b < 8; b++) {
      const batch = new BatchBuilder();
      for (let i = 0; i < 50; i++) batch.insert(id++, undefined, valueOf(id, 99, 1000));
      await db.write(batch);
    }
    await db.checkpoint();
    const m = await memory(db);
    expect([m.arena_free, m.pages_free]).toEqual([0, 0]);
    expect(m.arena_allocated).toBeGreaterThan(last.arena_allocated);
  } finally {
    await db.close();
  }
});

test('events an async iterator yielded keep their bytes after their memtables are refreshed and memory churns', async () => {
  const db = await Strata.open(dir, { workers: 0, interval: 1000, mm_slab_size: 64 * KiB });
  try {
    const write = async (salt: number): Promise<void> => {
      for (let b = 0; b < 5; b++) {
        const batch = new BatchBuilder();
        for (let i = 0; i < 100; i++) batch.insert(b * 100 + i, 'k', valueOf(b * 100 + i, salt, 500));
        await db.write(batch);
      }
    };
    await write(1);
    const got: Yielded[] = [];
    for await (const e of db.cursor()) got.push({ key: e.key, value: e.value, keyCopy: Buffer.from(e.key), valueCopy: Buffer.from(e.value) });
    expect(got.length).toBe(500);
    for (let round = 2; round < 8; round++) {
      await db.checkpoint();
      await write(round);
    }
    expect(got.every(yieldedIntact)).toBe(true);
    expect(Buffer.from(got[7]!.value).equals(valueOf(7, 1, 500))).toBe(true);
  } finally {
    await db.close();
  }
});
