/**
 * `strata bench`: writes serial events in batches as fast as the database takes them,
 * for a time or a count, with a live progress line each second (events/s, MiB/s,
 * memory); then a summary, optionally one JSON line of the figures (`--json`), and
 * optionally a scan of every event written (`--read`).
 *
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchBuilder, Strata, type OpenConfig } from '../src/index.ts';
import type { BenchArgs } from './args.ts';
import { type Palette, palette, wantsColour } from './colour.ts';
import { errorLine, formatBytes, formatCount } from './render.ts';
import type { Sink } from './runner.ts';

const MiB = 1024 * 1024;

/** The figures of a scan (`--read`). */
export interface ReadFigures {
  readonly events: number;
  /** Bytes of keys and values read. */
  readonly bytes: number;
  readonly seconds: number;
  readonly events_per_second: number;
  readonly mib_per_second: number;
  /** Time of the checkpoint before the scan (memtables written to partition files). */
  readonly refresh_seconds: number;
}

/** The figures of a run, as `--json` prints them (field names are stable). */
export interface BenchFigures {
  readonly events: number;
  /** Bytes of the batches written (binary batch format: headers, keys, values). */
  readonly bytes: number;
  readonly seconds: number;
  readonly events_per_second: number;
  readonly mib_per_second: number;
  readonly value_size: number;
  readonly batch: number;
  readonly wal: boolean;
  readonly workers: number;
  readonly compression: string;
  /** Highest resident set size seen, bytes. */
  readonly rss_max: number;
  /** Time of `close()`: waiting for background work, and refreshing everything with the WAL off. */
  readonly close_seconds: number;
  /** The scan, with `--read`; null without. */
  readonly read: ReadFigures | null;
}

/** Where the bench prints: results, the progress line, and whether that is a terminal. */
export interface BenchIo {
  readonly out: Sink;
  readonly err: Sink;
  /** The progress line is redrawn in place on a terminal, else printed once a second. */
  readonly tty: boolean;
  readonly colour: Palette;
}

/** A batch of `count` serial events with values of `size` bytes (lowercase letters). */
function makeBatch(count: number, size: number): Uint8Array {
  const value = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    value[i] = 97 + ((x >>> 0) % 26);
  }
  const b = new BatchBuilder(count * (size + 32) + 64);
  for (let i = 0; i < count; i++) b.append(undefined, value);
  return b.finish().slice();
}

const seconds = (from: number): number => (performance.now() - from) / 1000;

/** The settings a bench run gives to open, from its flags. */
function overrides(a: BenchArgs): OpenConfig {
  return {
    ...(a.wal ? {} : { wal: false }),
    ...(a.workers === null ? {} : { workers: a.workers }),
    ...(a.compression === null ? {} : { compression: a.compression as 'zstd' }),
  };
}

/**
 * The values the database in `dir` has for the settings the run overrides: open
 * stores the settings it is given, so the run sets these back at the end.
 */
async function storedSettings(dir: string, names: readonly string[]): Promise<Record<string, unknown>> {
  if (names.length === 0) return {};
  const db = await Strata.open(dir);
  try {
    // quoted: `SHOW wal` alone would be the WAL view
    return (await db.execute(`SHOW ${names.map((n) => `"${n}"`).join(', ')}`)) as Record<string, unknown>;
  } finally {
    await db.close();
  }
}

/** Runs the benchmark of `a` and returns its figures; prints progress and the summary on `io`. */
export async function bench(a: BenchArgs, io: BenchIo): Promise<BenchFigures> {
  const temp = a.dir === null;
  const dir = a.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  try {
    const config = overrides(a);
    const restore = temp ? {} : await storedSettings(dir, Object.keys(config));
    const db = await Strata.open(dir, config);
    const { workers, compression } = db.config; // as the run had them, before they are set back
    let figures: BenchFigures;
    try {
      const written = await writeEvents(db, a, io);
      const read = a.read ? await readBack(db, written.first, written.last, io) : null;
      for (const [name, value] of Object.entries(restore)) await db.execute(`SET "${name}" TO ${typeof value === 'string' ? `'${value}'` : String(value)}`);
      const closing = performance.now();
      await db.close();
      const w = written.figures;
      figures = {
        events: w.events,
        bytes: w.bytes,
        seconds: w.seconds,
        events_per_second: w.events_per_second,
        mib_per_second: w.mib_per_second,
        value_size: w.value_size,
        batch: w.batch,
        wal: w.wal,
        workers,
        compression,
        rss_max: w.rss_max,
        close_seconds: seconds(closing),
        read,
      };
    } finally {
      await db.close();
    }
    summary(figures, io);
    return figures;
  } finally {
    if (temp) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The write phase: batches until the time is up or the count written. */
async function writeEvents(db: Strata, a: BenchArgs, io: BenchIo): Promise<{ figures: Omit<BenchFigures, 'workers' | 'compression' | 'read' | 'close_seconds'>; first: bigint; last: bigint }> {
  const batch = makeBatch(a.batch, a.valueSize);
  const total = a.count ?? Infinity;
  const deadline = performance.now() + a.seconds * 1000;
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  let first = -1n;
  let last = -1n;
  let rssMax = process.memoryUsage.rss();
  let tick = { at: started, events: 0, bytes: 0 };
  while (events < total && (a.count !== null || performance.now() < deadline)) {
    const n = Math.min(a.batch, total - events);
    const bytesOf = n === a.batch ? batch : makeBatch(n, a.valueSize);
    const { serial } = await db.write(bytesOf);
    if (serial !== undefined) {
      if (first < 0n) first = serial.first;
      last = serial.first + BigInt(serial.count) - 1n;
    }
    events += n;
    bytes += bytesOf.length;
    const now = performance.now();
    if (now - tick.at >= 1000) {
      rssMax = Math.max(rssMax, process.memoryUsage.rss());
      await progress(db, io, (now - started) / 1000, events, (events - tick.events) / ((now - tick.at) / 1000), (bytes - tick.bytes) / ((now - tick.at) / 1000));
      tick = { at: now, events, bytes };
    }
  }
  const s = seconds(started);
  if (io.tty && s >= 1) io.err.write('\r\x1b[K');
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  return {
    figures: { events, bytes, seconds: s, events_per_second: events / s, mib_per_second: bytes / MiB / s, value_size: a.valueSize, batch: a.batch, wal: db.config.wal, rss_max: rssMax },
    first,
    last,
  };
}

/** One progress line: time, events, the last second's rates, memory. */
async function progress(db: Strata, io: BenchIo, at: number, events: number, rate: number, byteRate: number): Promise<void> {
  const memory = (await db.execute('SHOW MEMORY')) as { used: number };
  const text = `${at.toFixed(0).padStart(4)}s ${formatCount(events).padStart(8)} events ${formatCount(rate).padStart(8)} events/s ${(byteRate / MiB).toFixed(1).padStart(7)} MiB/s  rss ${formatBytes(process.memoryUsage.rss())}, memtables ${formatBytes(memory.used)}`;
  io.err.write(io.tty ? `\r\x1b[K${io.colour.dim(text)}` : `${text}\n`);
}

/** The read phase: checkpoint, then scan the events written with the cursor's fast path. */
async function readBack(db: Strata, first: bigint, last: bigint, io: BenchIo): Promise<ReadFigures> {
  if (io.tty) io.err.write(io.colour.dim('refreshing memtables to partition files...'));
  const refreshing = performance.now();
  await db.checkpoint();
  const refresh = seconds(refreshing);
  if (io.tty) io.err.write('\r\x1b[K');
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  if (first >= 0n) {
    const c = db.cursor({ from: first, to: last });
    while (c.next()) {
      events++;
      bytes += c.event.keyLength + c.event.valueLength;
    }
  }
  const s = seconds(started);
  return { events, bytes, seconds: s, events_per_second: events / s, mib_per_second: bytes / MiB / s, refresh_seconds: refresh };
}

/** The summary for people: on standard output, or standard error when `--json` owns it. */
function summary(f: BenchFigures, io: BenchIo): void {
  const lines = [
    `wrote ${f.events} events (${formatBytes(f.bytes)}) in ${f.seconds.toFixed(2)}s: ${formatCount(f.events_per_second)} events/s, ${f.mib_per_second.toFixed(1)} MiB/s`,
    `  value ${f.value_size} B, batch ${f.batch}, wal ${f.wal ? 'on' : 'off'}, workers ${f.workers}, compression ${f.compression}; peak rss ${formatBytes(f.rss_max)}; close ${f.close_seconds.toFixed(2)}s`,
  ];
  if (f.read !== null) {
    const r = f.read;
    lines.push(`read ${r.events} events (${formatBytes(r.bytes)}) in ${r.seconds.toFixed(2)}s: ${formatCount(r.events_per_second)} events/s, ${r.mib_per_second.toFixed(1)} MiB/s (after a ${r.refresh_seconds.toFixed(2)}s checkpoint)`);
  }
  io.out.write(`${lines.join('\n')}\n`);
}

/** `strata bench`: runs, prints, and returns the exit status. */
export async function runBench(a: BenchArgs): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const colour = palette(wantsColour(process.stderr, process.env, a.colour));
  const out = a.json ? process.stderr : process.stdout;
  try {
    const figures = await bench(a, { out, err: process.stderr, tty, colour });
    if (a.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${errorLine(e, colour)}\n`);
    return 1;
  }
}
