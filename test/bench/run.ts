/**
 * The write and scan benchmark (`npm run bench`): 100-byte events written in
 * batches of 200 and 1000, WAL on (with and without a sync at each segment rotation)
 * and off, then scanned through the fast path, `nextBatch`, and the synchronous and
 * async iterators; Arrow ingest and `scanArrow` (test/bench/arrow.ts). Each figure is
 * printed beside a peer measured in the same run,
 * because these machines are shared and absolute figures drift:
 *
 * - writes: a raw append of the same batch bytes to a file with one writeSync per
 *   batch, and an fdatasync every 64 MiB when the WAL syncs at rotation: the device's
 *   own limit for the same bytes and sync policy;
 * - scans (every way of reading): a bare decode loop over the same records in memory;
 * - Arrow: the path each parallels (`write` of the same events as a binary batch, the
 *   cursor's fast path over the same files).
 *
 * Between runs dirty pages are synced and garbage collected, so that one run's
 * write-back does not slow the next.
 *
 * Options: --events N (default 2,000,000), --value N (default 100).
 */
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchBuilder, type Cursor, Strata } from '../../src/index.ts';
import { arrowScanRows, arrowWriteRows } from './arrow.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 2_000_000);
const VALUE = Number(args.get('value') ?? 100);
const MiB = 1024 * 1024;

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

function line(name: string, events: number, bytes: number, seconds: number, peer?: number): number {
  const rate = events / seconds;
  const ratio = peer === undefined ? '' : `  (${(rate / peer).toFixed(2)}x peer)`;
  console.log(`${name.padEnd(48)} ${fmt(rate).padStart(8)} events/s ${(bytes / MiB / seconds).toFixed(0).padStart(6)} MiB/s${ratio}`);
  return rate;
}

function makeBatch(size: number): Uint8Array {
  const b = new BatchBuilder(size * (VALUE + 32));
  const value = new Uint8Array(VALUE).fill(7);
  for (let i = 0; i < size; i++) b.append(undefined, value);
  return b.finish().slice();
}

const SEGMENT = 64 * MiB;

/** Peer: append the same batch bytes to a file, one writeSync each, fdatasync every 64 MiB if `sync`. */
function rawAppend(dir: string, batch: Uint8Array, batches: number, sync: boolean): number {
  const fd = fs.openSync(path.join(dir, 'raw.bin'), 'w');
  let unsynced = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) {
    fs.writeSync(fd, batch);
    unsynced += batch.length;
    if (sync && unsynced >= SEGMENT) {
      fs.fdatasyncSync(fd);
      unsynced = 0;
    }
  }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  fs.closeSync(fd);
  fs.rmSync(path.join(dir, 'raw.bin'));
  return s;
}

/** Lets the previous run's write-back and garbage settle before measuring. */
function settle(): void {
  execSync('sync');
  (globalThis as { gc?: () => void }).gc?.();
}

type WalMode = 'on' | 'on, no sync at rotate' | 'off';

async function writeRun(wal: WalMode, batchSize: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  try {
    const batch = makeBatch(batchSize);
    const batches = Math.ceil(EVENTS / batchSize);
    const events = batches * batchSize;
    const syncAtRotate = wal === 'on';
    settle();
    const peer = events / rawAppend(dir, batch, batches, syncAtRotate);
    settle();
    const db = await Strata.open(path.join(dir, 'db'), {
      wal: wal !== 'off',
      wal_sync_on_rotate: syncAtRotate,
      workers: 2,
      refresh_wm: 2 ** 40,
      interval: 10_000_000n,
    });
    const t = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) await db.write(batch);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    line(`write batch ${batchSize}, wal ${wal}`, events, batch.length * batches, s, peer);
    if (wal === 'on' && batchSize === 1000) await scanRuns(db, events, batch.length * batches);
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function scanRuns(db: Strata, events: number, bytes: number): Promise<void> {
  // memtable scan
  scan(db, 'scan memtable (fast path)', events, bytes, fastPath);
  const t = process.hrtime.bigint();
  await db.checkpoint();
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  line('refresh to files (zstd 1, 2 workers)', events, bytes, s);
  scan(db, 'scan files (fast path)', events, bytes, fastPath);
  scan(db, 'scan files (fast path)', events, bytes, fastPath);
  await arrowScanRows(line, db, events, bytes, () => rateOf(db, events, fastPath), settle);
  scan(db, 'scan files (nextBatch 1024)', events, bytes, batches);
  scan(db, 'scan files (for of)', events, bytes, (c) => {
    let n = 0;
    for (const e of c) n += e.value.length > 0 ? 1 : 0;
    return n;
  });
  await scanAsync(db, 'scan files (async iterator)', events, bytes);
}

/** The fast path: events read, and a sink the loop cannot skip. */
function fastPath(c: Cursor): number {
  let n = 0;
  while (c.next()) {
    sink += c.event.idLo;
    n++;
  }
  return n;
}

function batches(c: Cursor): number {
  let n = 0;
  while (c.nextBatch(1024)) {
    const b = c.batch;
    for (let i = 0; i < b.length; i++) sink += b.idLo[i]!;
    n += b.length;
  }
  return n;
}

let sink = 0;

/**
 * The peer of every scan: a bare decode loop over one region-sized buffer of the same
 * records in memory, repeated; events per second.
 */
function decodePeer(events: number): number {
  const peerBuf = makeBatch(1000).subarray(16);
  const reps = Math.ceil(events / 1000);
  const tp = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) {
    for (let o = 0; o < peerBuf.length; ) {
      sink += peerBuf[o]!;
      o += 14 + peerBuf[o + 12]! + (peerBuf[o + 8]! | (peerBuf[o + 9]! << 8) | (peerBuf[o + 10]! << 16));
    }
  }
  return (reps * 1000) / (Number(process.hrtime.bigint() - tp) / 1e9);
}

/** Events per second of one `read` of every event, printing nothing. */
function rateOf(db: Strata, events: number, read: (c: Cursor) => number): number {
  const t = process.hrtime.bigint();
  const n = read(db.cursor());
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== events) throw new Error(`fast path: expected ${events} events, got ${n}`);
  return n / s;
}

function scan(db: Strata, name: string, events: number, bytes: number, read: (c: Cursor) => number): number {
  const peer = decodePeer(events);
  const t = process.hrtime.bigint();
  const n = read(db.cursor());
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== events) throw new Error(`${name}: expected ${events} events, got ${n}`);
  if (sink === -1) console.log(sink);
  return line(name, n, bytes, s, peer);
}

async function scanAsync(db: Strata, name: string, events: number, bytes: number): Promise<void> {
  const peer = decodePeer(events);
  let n = 0;
  const t = process.hrtime.bigint();
  for await (const e of db.cursor()) n += e.value.length > 0 ? 1 : 0;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== events) throw new Error(`${name}: expected ${events} events, got ${n}`);
  line(name, n, bytes, s, peer);
}

console.log(`strata bench: ${fmt(EVENTS)} events of ${VALUE} bytes per run, node ${process.version}, ${os.cpus().length} cpus`);
console.log('peers: writes, a raw append of the same bytes with the same sync policy; scans, a bare decode loop in memory');
// warm-up: let the JIT compile the write and scan paths before anything is measured
await warmUp();
for (const wal of ['on', 'on, no sync at rotate', 'off'] as const) for (const size of [200, 1000]) await writeRun(wal, size);
await arrowWriteRows(line, EVENTS, VALUE, settle);
await sustained();

/**
 * Sustained ingest: the default refresh watermark and two workers, so partitions are
 * refreshed in the background while writes go on; memory stays bounded. The peer is
 * the same writes with refreshes held off (the `write batch 1000, wal on` figure).
 */
async function sustained(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  try {
    const batch = makeBatch(1000);
    const batches = Math.ceil((EVENTS * 2) / 1000);
    const events = batches * 1000;
    settle();
    const peerDb = await Strata.open(path.join(dir, 'peer'), { workers: 2, refresh_wm: 2 ** 40, interval: 1_000_000n });
    let t = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) await peerDb.write(batch);
    const peer = events / (Number(process.hrtime.bigint() - t) / 1e9);
    await peerDb.close();
    fs.rmSync(path.join(dir, 'peer'), { recursive: true, force: true });
    settle();
    const db = await Strata.open(path.join(dir, 'db'), { workers: 2, interval: 1_000_000n });
    let peak = 0;
    t = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) {
      await db.write(batch);
      if (i % 100 === 0) peak = Math.max(peak, ((await db.execute('SHOW MEMORY')) as { used: number }).used);
    }
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    line('sustained batch 1000, wal on, background refresh', events, batch.length * batches, s, peer);
    console.log(`${''.padEnd(48)} peak memtable memory ${(peak / MiB).toFixed(0)} MiB for ${(batch.length * batches / MiB).toFixed(0)} MiB written`);
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function warmUp(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  const db = await Strata.open(dir, { workers: 0 });
  const batch = makeBatch(500);
  for (let i = 0; i < 1000; i++) await db.write(batch);
  const c = db.cursor();
  while (c.next());
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
