// The arena reuses slabs and pages once nothing can read them, and never before: holds of
// memtables (their partition's, cursors', refresh jobs'), the free list's
// bound, size classes for large batches, and a refresh job in a worker thread reading
// slabs through shared memory while the main thread reuses every other freed slab.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { Encryption } from '../../src/codec/encryption.ts';
import { recSize } from '../../src/codec/index.ts';
import { Arena, Memtable, PAGE_BYTES, PAGE_CAP, PartitionFile, partitionJobs, type RefreshJob, type RefreshResult } from '../../src/partition/index.ts';
import { WorkerPool } from '../../src/workers/pool.ts';
import { error } from '../expect-error.ts';
import { encode, WIDE } from './records.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-arena-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Value bytes that tell events apart: `id` and `salt` spelled out, repeated to `size`. */
function valueOf(id: number, salt: number, size: number): Uint8Array {
  return Buffer.alloc(size, `<${id}:${salt}>`);
}

/** Copies events `ids` (one batch) into the arena and inserts them into `mt`. */
function put(arena: Arena, mt: Memtable, ids: readonly number[], size = 100, salt = 0): void {
  const { buf, offs } = encode(ids.map((id) => ({ id: BigInt(id), key: new Uint8Array(0), value: valueOf(id, salt, size) })));
  const { slab, off } = arena.copy(buf, 0, buf.length);
  for (const o of offs) mt.insert(slab, off + o);
}

/** A view of one record as a reader keeps it, with a copy of its bytes to check it against. */
interface View {
  buf: Uint8Array;
  off: number;
  copy: Buffer;
}

function viewOf(buf: Uint8Array, off: number): View {
  return { buf, off, copy: Buffer.from(buf.subarray(off, off + recSize(buf, off))) };
}

function intact(v: View): boolean {
  return Buffer.from(v.buf.subarray(v.off, v.off + v.copy.length)).equals(v.copy);
}

/** Views of every record of `mt`, page by page. */
function viewsOf(mt: Memtable): View[] {
  const out: View[] = [];
  for (const p of mt.pages) for (let i = 0; i < p.n; i++) out.push(viewOf(mt.slabs[p.slab[i]!]!, p.off[i]!));
  return out;
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('reuse', () => {
  test('a freed slab is the next one handed out: under a steady load allocation stops', () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const allocated: number[] = [];
    for (let round = 0; round < 10; round++) {
      const mt = new Memtable(arena);
      // 100 batches of 10 events of ~114 bytes: ~114 KiB, about two slabs
      for (let b = 0; b < 100; b++) put(arena, mt, range(round * 1000 + b * 10, 10));
      mt.discard();
      allocated.push(arena.stats().slabsAllocated);
    }
    // the first rounds fill the free list; from then on every slab comes from it
    expect(allocated.slice(2)).toEqual(Array(8).fill(allocated[1]));
    expect(arena.stats().slabsAllocated).toBeLessThanOrEqual(4 * 64 * 1024);
  });

  test('freed pages go back to the free list and are handed out again', () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const a = new Memtable(arena);
    for (let b = 0; b < 3 * PAGE_CAP; b += 128) put(arena, a, range(b, 128), 0);
    const pages = [...a.pages];
    expect(arena.stats()).toMatchObject({ pagesUsed: 3 * PAGE_BYTES, pagesFree: 0, pagesAllocated: 3 * PAGE_BYTES });
    a.discard();
    expect(arena.stats()).toMatchObject({ pagesUsed: 0, pagesFree: 3 * PAGE_BYTES });
    const b = new Memtable(arena);
    for (let i = 0; i < 3 * PAGE_CAP; i += 128) put(arena, b, range(i, 128), 0);
    expect(new Set([...b.pages, ...pages]).size).toBe(3); // the same page objects, emptied first
    expect(arena.stats()).toMatchObject({ pagesUsed: 3 * PAGE_BYTES, pagesFree: 0, pagesAllocated: 3 * PAGE_BYTES });
  });

  test('a batch larger than a slab gets a slab of a larger size class, pooled with its class', () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const a = new Memtable(arena);
    put(arena, a, range(0, 100), 1000); // ~99 KiB: a 128 KiB slab
    expect(arena.stats().slabsAllocated).toBe(128 * 1024);
    put(arena, a, range(100, 20), 1000); // fits the rest of it
    expect(a.slabs.length).toBe(1);
    put(arena, a, range(200, 59), 1000); // ~58 KiB: does not fit, a 64 KiB slab
    a.discard();
    expect(arena.stats()).toMatchObject({ slabsFree: 128 * 1024, slabsAllocated: 192 * 1024 });
    put(arena, new Memtable(arena), range(0, 100), 1000); // the large slab again (the small one is free now)
    expect(arena.stats()).toMatchObject({ slabsFree: 64 * 1024, slabsAllocated: 192 * 1024 });
  });
});

describe('never reused while it can be read', () => {
  test('a slab stays while any memtable with a record in it, or any reader of one, holds it', () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const a = new Memtable(arena);
    const b = new Memtable(arena);
    put(arena, a, range(0, 50));
    put(arena, b, range(100, 50)); // the same slab, another memtable (a batch over two partitions)
    put(arena, b, range(200, 10), 6000); // ~60 KiB: the next slab; the arena lets go of the first
    const views = viewsOf(a);
    a.retain(); // a cursor reads a
    a.discard(); // a refresh replaced it
    b.discard();
    // a's reader still holds the first slab: nothing is freed, new writes take new slabs
    const c = new Memtable(arena);
    for (let i = 0; i < 40; i++) put(arena, c, range(1000 + i * 10, 10), 1000, 7);
    expect(views.every(intact)).toBe(true);
    expect(arena.stats().slabsFree).toBe(0);
    a.release(); // the reader leaves: the slab is free now, and reused by the next writes
    expect(arena.stats().slabsFree).toBe(64 * 1024);
    const before = arena.stats().slabsAllocated;
    for (let i = 0; arena.stats().slabsFree > 0; i++) put(arena, c, range(2000 + i * 10, 10), 1000, 8);
    expect(arena.stats().slabsAllocated).toBe(before);
    expect(views.some((v) => !intact(v))).toBe(true); // the bytes were indeed reused
  });

  test('property: views of held memtables never change while slabs and pages churn', () => {
    // ops: 0 write into memtable m, 1 the partition discards m (a new one takes its place),
    // 2 a reader holds m and keeps a view of each of its records, 3 a reader leaves
    // (batches of at most 20 x 74 bytes: several to a slab, now and then one of a larger class)
    const op = fc.tuple(fc.constantFrom(0, 0, 0, 1, 2, 3), fc.nat(3), fc.integer({ min: 1, max: 20 }), fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(400)));
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 200 }), fc.integer({ min: 0, max: 8 }), (ops, cacheBlocks) => {
        const slabSize = 4096;
        const cache = cacheBlocks * 32 * 1024; // pages are 16 KiB
        const arena = new Arena({ slabSize, cacheLimit: () => cache });
        const tables = [0, 1, 2, 3].map(() => new Memtable(arena));
        const readers: { mt: Memtable; views: View[] }[] = [];
        let id = 0;
        for (const [kind, m, n, size] of ops) {
          if (kind === 0) {
            put(arena, tables[m]!, range(id, n), size, id);
            id += n;
          } else if (kind === 1) {
            tables[m]!.discard();
            tables[m] = new Memtable(arena);
          } else if (kind === 2) {
            tables[m]!.retain();
            readers.push({ mt: tables[m]!, views: viewsOf(tables[m]!) });
          } else if (readers.length > 0) {
            readers.splice(m % readers.length, 1)[0]!.mt.release();
          }
          for (const r of readers) expect(r.views.every(intact)).toBe(true);
          const s = arena.stats();
          expect(s.slabsFree + s.pagesFree).toBeLessThanOrEqual(cache);
          expect(s.slabsUsed + s.slabsFree).toBeLessThanOrEqual(s.slabsAllocated);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('runs for refresh jobs', () => {
  test('a run is on shared memory held by its memtable, made once while the memtable is unchanged', () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const mt = new Memtable(arena);
    for (let b = 0; b < 30; b++) put(arena, mt, range(b * 100, 100), 10);
    const run = mt.run();
    expect(run.slab.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(run.off.buffer).toBe(run.slab.buffer);
    expect([run.slab.length, run.off.length]).toEqual([3000, 3000]);
    expect(Array.from(run.off.subarray(0, 3))).toEqual([0, 24, 48]);
    const used = arena.stats().slabsUsed;
    expect(mt.run().slab.buffer).toBe(run.slab.buffer); // a retried refresh: the same buffer
    put(arena, mt, [5000], 10); // a change: a new run, the old buffer given back
    const again = mt.run();
    expect(again.slab.length).toBe(3001);
    expect(arena.stats().slabsUsed).toBe(used);
    mt.discard();
    expect(arena.stats().slabsUsed).toBe(64 * 1024); // only the slab being filled
  });
});

describe('bounds and misuse', () => {
  test('the free list never holds more than the cache limit; a lowered limit trims it', () => {
    let limit = 3 * 64 * 1024;
    const arena = new Arena({ slabSize: 64 * 1024, cacheLimit: () => limit });
    const a = new Memtable(arena);
    for (let i = 0; i < 100; i++) put(arena, a, range(i * 10, 10), 1000); // ~1 MiB: 16 slabs
    a.discard(); // its page, then its slabs, until the free list is full
    expect(arena.stats()).toMatchObject({ slabsFree: 2 * 64 * 1024, pagesFree: PAGE_BYTES });
    limit = 64 * 1024;
    const b = new Memtable(arena);
    put(arena, b, range(0, 1));
    b.discard(); // any release trims
    expect(arena.stats().slabsFree + arena.stats().pagesFree).toBeLessThanOrEqual(64 * 1024);
    limit = 0;
    const c = new Memtable(arena);
    put(arena, c, range(0, 1));
    c.discard();
    expect(arena.stats()).toMatchObject({ slabsFree: 0, pagesFree: 0 });
  });

  test('a hold given back twice, or taken on a freed memtable, is an INTERNAL error', () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const a = new Memtable(arena);
    put(arena, a, [1]);
    a.discard();
    expect(error(() => a.discard()).code).toBe('INTERNAL');
    expect(error(() => a.release()).code).toBe('INTERNAL');
    expect(error(() => a.retain()).code).toBe('INTERNAL');
    expect(error(() => arena.release(new Uint8Array(8))).code).toBe('INTERNAL');
    expect(error(() => new Memtable(new Arena()).insert(arena.copy(new Uint8Array(20), 0, 20).slab, 0)).code).toBe('INTERNAL');
  });
});

describe('a refresh job in a worker thread', () => {
  test('reads the slabs of the memtables it holds while the main thread reuses every other freed slab', async () => {
    const arena = new Arena({ slabSize: 64 * 1024 });
    const pool = new WorkerPool({ size: 1, module: partitionJobs });
    try {
      // two frozen memtables of one partition, ~1.2 MiB each; their partition lets go of
      // them at once: only the job's holds keep their slabs
      const frozen = [new Memtable(arena), new Memtable(arena)];
      const want: Buffer[] = [];
      for (let i = 0; i < 2000; i++) {
        const mt = frozen[i % 2]!;
        put(arena, mt, range(i * 5, 5), 100, 1);
        want.push(Buffer.from(encode(range(i * 5, 5).map((id) => ({ id: BigInt(id), key: new Uint8Array(0), value: valueOf(id, 1, 100) }))).buf));
      }
      const job: RefreshJob = {
        oldPath: null,
        oldKey: null,
        runs: frozen.map((m) => m.run()),
        newPath: join(dir, 'job.part'),
        append: false,
        writer: { regionSize: 64 * 1024, codec: Codec.none, level: 1, encryption: Encryption.none, key: null, sync: false, identity: WIDE },
      };
      for (const m of frozen) m.retain();
      for (const m of frozen) m.discard();
      const done = pool.run<RefreshResult>('refresh', job);
      // meanwhile, on the main thread: write and free 8 MiB, again and again
      let churn = 0;
      for (let round = 0; round < 4; round++) {
        const mt = new Memtable(arena);
        for (let i = 0; i < 2000; i++) put(arena, mt, range(i * 4, 4), 1000, 100 + round);
        mt.discard();
        churn += 2000 * 4 * 1014;
      }
      expect(arena.stats().slabsAllocated).toBeLessThan(churn); // slabs were reused meanwhile
      const result = await done;
      expect(result.events).toBe(10_000);
      const f = PartitionFile.open(job.newPath, null);
      const got = Buffer.concat(Array.from({ length: f.regions }, (_, i) => f.readRegion(i)));
      f.close();
      expect(got.equals(Buffer.concat(want))).toBe(true);
      expect(readFileSync(job.newPath).length).toBe(result.size);
      // the job is done: its holds go, and its slabs are free for the next writes
      const free = arena.stats().slabsFree;
      for (const m of frozen) m.release();
      expect(arena.stats().slabsFree).toBeGreaterThan(free);
    } finally {
      await pool.close();
    }
  });
});
