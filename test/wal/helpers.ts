// Shared helpers of the WAL tests: temp directories, configs, payloads, replay capture.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { StrataError } from '../../src/errors.ts';
import type { ErrorCode } from '../../src/errors.ts';
import { WAL_BATCH, Wal } from '../../src/wal/index.ts';
import type { WalConfig, WalReplayReport } from '../../src/wal/index.ts';

/** A record as the tests see it (payload copied out of the replay view). */
export interface Rec {
  type: number;
  lsn: bigint;
  payload: Uint8Array;
  count: number;
}

/** A fresh temp directory; remove it with {@link removeDirs}. */
export function tmpDir(dirs: string[]): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-wal-'));
  dirs.push(d);
  return d;
}

/** Removes every directory in `dirs` and empties it. */
export function removeDirs(dirs: string[]): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A config for `dir` with the given overrides (crc on, no syncs, 1 MiB segments). */
export function cfg(dir: string, over: Partial<WalConfig> = {}): WalConfig {
  return { dir, rotateWm: 1 << 20, syncOnWrite: false, syncOnRotate: false, crc: true, ...over };
}

/** A deterministic payload of `len` bytes that differs with `seed`. */
export function payload(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Replays `wal` from `from`, copying each record. */
export function collect(wal: Wal, from = 0n): { recs: Rec[]; report: WalReplayReport } {
  const recs: Rec[] = [];
  const report = wal.replay(from, (type, lsn, p, count) => recs.push({ type, lsn, payload: p.slice(), count }));
  return { recs, report };
}

/** Opens `config`, replays everything, closes; returns the records and the report. */
export async function readAll(config: WalConfig): Promise<{ recs: Rec[]; report: WalReplayReport }> {
  const wal = Wal.open(config);
  const out = collect(wal);
  await wal.close();
  return out;
}

/** Opens a fresh log in `config.dir`, appends batch records of the given payload lengths, closes. */
export async function writeLog(config: WalConfig, lengths: number[]): Promise<Rec[]> {
  const wal = Wal.open(config);
  collect(wal);
  wal.begin(0n);
  const recs: Rec[] = [];
  lengths.forEach((len, i) => {
    const p = payload(i, len);
    const lsn = wal.append(WAL_BATCH, p, i % 7);
    recs.push({ type: WAL_BATCH, lsn, payload: p, count: i % 7 });
  });
  await wal.close();
  return recs;
}

/** The segment file names of `dir`, sorted. */
export function segFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort();
}

/** Runs `fn` and returns the StrataError of `code` it throws (the test fails otherwise). */
export function thrown(fn: () => unknown, code: ErrorCode): StrataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe(code);
    return e as StrataError;
  }
  throw new Error(`expected a StrataError ${code}, nothing was thrown`);
}

/** Overwrites bytes of the file at `file` at `offset`. */
export function patch(file: string, offset: number, bytes: number[]): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Uint8Array.from(bytes), 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Byte offsets at which each record starts in a fresh segment, from the payload lengths in it. */
export function recordStarts(lengths: number[]): number[] {
  const out: number[] = [];
  let off = 16;
  for (const len of lengths) {
    out.push(off);
    off += 24 + len;
  }
  return out;
}
