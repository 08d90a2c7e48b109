/**
 * Refresh: merge a partition's memtable with its file into a new file, and swap.
 *
 * Protocol (docs/manifest.md): freeze the memtable (a fresh one takes writes);
 * record the operation in the manifest; the refresh job writes and fsyncs the new
 * file (in a worker thread when `workers > 0`); fsync the directory; in ONE manifest
 * transaction point the partition at the new file and drop the operation row; swap
 * the file and the memtables in memory; then delete the old file and release WAL
 * segments no memtable needs. A crash at any step leaves either the old or the new
 * file live, and open() removes the other.
 *
 * @module
 */
import * as path from 'node:path';
import { codecId } from '../codec/index.ts';
import type { PartitionRecord } from '../manifest/index.ts';
import { type Memtable, PartitionFile, type RefreshJob, type RefreshResult } from '../partition/index.ts';
import { type EngineContext, nowMicros } from './context.ts';
import { removeFile } from './fs-util.ts';
import type { PartitionState } from './partition-state.ts';
import { partitionFileName } from './paths.ts';

/**
 * Refreshes partition `p`. Concurrent calls for one partition run one after the
 * other. Readers and writers go on meanwhile. On failure the frozen memtables stay
 * (readable, and retried by the next refresh) and the error is rethrown.
 */
export async function refreshPartition(ctx: EngineContext, p: PartitionState): Promise<void> {
  while (p.refreshing !== null) await p.refreshing.catch(() => undefined);
  if (p.dropped || (p.active.count === 0 && p.frozen.length === 0)) return;
  const run = doRefresh(ctx, p);
  p.refreshing = run;
  try {
    await run;
  } finally {
    p.refreshing = null;
  }
}

async function doRefresh(ctx: EngineContext, p: PartitionState): Promise<void> {
  // freeze: a fresh memtable takes writes from here on
  p.freeze();
  const frozen = p.frozen.slice();
  const gen = p.nextGen++;
  const newName = partitionFileName(p.min, gen);
  const newPath = path.join(ctx.main.dir, newName);
  const started = nowMicros();
  const end = ctx.operations.begin({
    kind: 'refresh',
    partition: p.min,
    source: ctx.main.name,
    destination: ctx.main.name,
    bytes_done: 0,
    bytes_total: 0,
    started,
  });
  try {
    await writeAndSwitch(ctx, p, frozen, gen, newPath, started);
  } finally {
    end();
  }
}

/** The steps of a refresh after the freeze: write the new file, switch, clean up. */
async function writeAndSwitch(ctx: EngineContext, p: PartitionState, frozen: Memtable[], gen: number, newPath: string, started: number): Promise<void> {
  const old = p.record;
  const opId = ctx.manifest.insertOperation({
    kind: 'refresh',
    partition: p.min,
    storage: ctx.main.name,
    file: gen,
    oldFile: old.file,
    started,
    detail: '',
  });
  let result: RefreshResult;
  try {
    const job: RefreshJob = {
      oldPath: old.file === 0 ? null : path.join(ctx.main.dir, partitionFileName(p.min, old.file)),
      runs: frozen.map((m) => m.run()),
      newPath,
      writer: {
        regionSize: ctx.config.region_size,
        codec: codecId(ctx.config.compression, 'refresh'),
        level: ctx.config.compression_level,
        sync: ctx.config.sync,
      },
    };
    // the job fsyncs the new file and its directory (FileWriterOptions.sync)
    result = await ctx.pool.run<RefreshResult>('refresh', job);
  } catch (e) {
    removeFile(newPath);
    ctx.manifest.deleteOperation(opId);
    throw e;
  }
  let lsn = old.lsn;
  for (const m of frozen) if (BigInt(m.maxLsn) > lsn) lsn = BigInt(m.maxLsn);
  const record: PartitionRecord = {
    ...old,
    file: result.events === 0 ? 0 : gen,
    lsn,
    events: result.events,
    regions: result.regions,
    size: result.size,
    sizeUncompressed: result.sizeUncompressed,
    refreshed: nowMicros(),
    refreshes: old.refreshes + 1,
  };
  const file = result.events === 0 ? null : PartitionFile.open(newPath);
  try {
    ctx.manifest.transaction(() => {
      ctx.manifest.updatePartition(record);
      ctx.manifest.deleteOperation(opId);
      ctx.manifest.setConfig('ssn', ctx.serial.value);
    });
  } catch (e) {
    file?.close();
    removeFile(newPath);
    ctx.manifest.deleteOperation(opId);
    throw e;
  }
  // switch: the new file is live
  const oldFile = p.file;
  p.file = file;
  p.record = record;
  for (const m of p.frozen.splice(0, frozen.length)) m.discard();
  oldFile?.close();
  if (old.file !== 0) removeFile(path.join(ctx.main.dir, partitionFileName(p.min, old.file)));
  releaseWal(ctx);
}

/** Deletes the WAL segments that no memtable needs any more. */
export function releaseWal(ctx: EngineContext): void {
  if (ctx.wal === null) return;
  let needed = Number(ctx.wal.lastLsn) + 1;
  for (const p of ctx.partitions.all) {
    const n = p.neededLsn;
    if (n !== 0 && n < needed) needed = n;
  }
  ctx.wal.release(BigInt(needed));
}
