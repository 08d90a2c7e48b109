/**
 * What open() does before the database takes writes: reconcile the manifest with
 * the files (finish or roll back interrupted operations, remove orphans), load the
 * partitions, and replay the WAL into memtables. It reports every step it took.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLAG_SERIAL, REC_FLAGS, idJoin, recIdHi, recIdLo, recSize } from '../../codec/index.ts';
import { StrataError, ioError, isStrataError } from '../../errors.ts';
import { PartitionFile } from '../../partition/index.ts';
import type { DroppedRange } from '../../manifest/index.ts';
import { WAL_BATCH, isWalDamage, type Wal, type WalDropped, type WalRecovery, type WalReplayReport } from '../../wal/index.ts';
import type { EngineContext } from '../core/context.ts';
import { removeFile } from '../core/fs-util.ts';
import { partitionFor } from '../lifecycle/partition-create.ts';
import { remoteFor } from '../cloud/cloud-objects.ts';
import { PartitionState } from '../core/partition-state.ts';
import { parsePartitionFileName, partitionFileName } from '../core/paths.ts';

/** What open() found and did. Stable field names: tools may parse them. */
export interface OpenReport {
  /** Interrupted operations undone, e.g. `refresh of partition 0 rolled back (removed 0...0.2.part)`. */
  readonly rolledBack: string[];
  /** Interrupted operations finished, e.g. `refresh of partition 0 completed (removed old file ...)`. */
  readonly completed: string[];
  /** Files no partition refers to, removed. */
  readonly orphansRemoved: string[];
  /**
   * Partitions whose file is missing or fails its checks at open: reading them fails
   * with the error named here; every other partition stays readable.
   */
  readonly damaged: string[];
  /**
   * What open did on the clouds: objects of interrupted uploads and replaced objects
   * deleted (`deleted cold:bucket/key`), and deletions that failed and are retried
   * later (`could not delete ..., retried ...: reason`).
   */
  readonly cloud: string[];
  /** The WAL replay, or null when no WAL was found. */
  wal: {
    segments: number;
    /** Records read (valid ones). */
    records: number;
    /** Events of the records read. */
    events: number;
    /** Of those events, the ones not replayed: their partition's file already holds them, or a drop removed them. */
    skipped: number;
    /** Records with at least one event replayed into memory. */
    replayedRecords: number;
    /** Events replayed into memory (`events - skipped`). */
    replayedEvents: number;
    /** Records with at least one event skipped (a record can be partly replayed, partly skipped). */
    skippedRecords: number;
    /** Torn tails cut: damage that nothing valid followed (offset 0: a segment deleted). */
    truncated: { file: string; offset: number; bytes: number }[];
    /** The recovery mode of this open (the setting `wal_recovery`). */
    recovery: WalRecovery;
    /**
     * What the recovery dropped, per file: with `point_in_time` everything from the first
     * damage on, with `skip` each damaged span (empty with `tail`, which refuses such
     * damage). `records`: the lsns lost, damaged records included; `events`: the events
     * of the valid records dropped and of the damaged records whose header could still
     * be read (their count, unverified). docs/wal-format.md says how each is counted.
     */
    dropped: WalDropped[];
    /**
     * With `skip`: segment files holding dropped damage that stay on disk because a
     * partition that needs their records could not be refreshed (its file is damaged):
     * the next open reports the damage again.
     */
    kept: string[];
  } | null;
}

/**
 * Finishes or rolls back interrupted operations and removes orphan files; sets the
 * next file generation above every one still named anywhere.
 */
export function reconcile(ctx: EngineContext, report: OpenReport): void {
  const m = ctx.manifest;
  // no generation that anything still names, or named until now, is used again
  let gen = 0;
  const seen = (g: number): void => {
    if (g > gen) gen = g;
  };
  for (const d of m.listCloudDeletes()) seen(parsePartitionFileName(d.key.slice(d.key.lastIndexOf('/') + 1))?.gen ?? 0);
  for (const op of m.listOperations()) {
    seen(op.file);
    seen(op.oldFile);
    const p = m.getPartition(op.partition);
    const name = partitionFileName(op.partition, op.file);
    if (p !== undefined && p.file === op.file && p.storage === op.storage) {
      // the switch committed; what is left of the old file is an orphan below
      report.completed.push(`${op.kind} of partition ${op.partition} completed`);
    } else {
      const dest = ctx.storages.find(op.storage);
      if (dest !== undefined) removeFile(path.join(dest.dir, name));
      report.rolledBack.push(`${op.kind} of partition ${op.partition} rolled back (removed ${op.storage}/${name})`);
    }
    m.deleteOperation(op.id);
  }
  const live = new Map<bigint, { storage: string; file: number; onStorage: boolean }>();
  for (const p of m.listPartitions()) {
    live.set(p.min, { storage: p.storage, file: p.file, onStorage: p.onStorage });
    seen(p.file);
  }
  for (const s of ctx.storages.all()) {
    let names: string[];
    try {
      names = fs.readdirSync(s.dir);
    } catch (e) {
      throw ioError('open: list storage', s.dir, e);
    }
    for (const name of names) {
      const f = parsePartitionFileName(name);
      if (f === undefined) continue; // not ours: leave it alone
      seen(f.gen);
      const owner = live.get(f.min);
      if (owner !== undefined && owner.storage === s.name && owner.file === f.gen && owner.onStorage) continue;
      removeFile(path.join(s.dir, name));
      if (owner !== undefined && owner.storage === s.name && owner.file === f.gen) {
        report.completed.push(`cloud copy of partition ${f.min} is the live one (removed local ${s.name}/${name})`);
      } else if (owner !== undefined && owner.storage !== s.name) {
        report.completed.push(`move of partition ${f.min} completed (removed ${s.name}/${name})`);
      } else if (owner !== undefined && f.gen < owner.file) {
        report.completed.push(`refresh of partition ${f.min} completed (removed old file ${s.name}/${name})`);
      } else {
        report.orphansRemoved.push(`${s.name}/${name}`);
      }
    }
  }
  ctx.generation.next = gen + 1;
}

/**
 * Loads every partition of the manifest, opening its file (index read once). A file
 * that is missing or fails its checks leaves its partition damaged (reads of it fail
 * with that error) and is reported; the database opens with every other partition.
 */
export function loadPartitions(ctx: EngineContext, report: OpenReport): void {
  for (const record of ctx.manifest.listPartitions()) {
    const p = new PartitionState(record, null, ctx.memory, ctx.arena);
    const storage = ctx.storages.get('open', record.storage);
    try {
      p.remote = remoteFor(ctx, storage, record);
    } catch (e) {
      if (!isStrataError(e)) throw e;
      p.damage = e;
      report.damaged.push(`partition ${record.min}: ${e.message}`);
    }
    if (record.file !== 0 && record.onStorage) {
      const file = path.join(storage.dir, partitionFileName(record.min, record.file));
      try {
        if (!fs.existsSync(file)) {
          throw new StrataError('CORRUPTION', `open: partition ${record.min}: its file ${file} is missing; restore it from a backup or drop the partition`);
        }
        const settings = storage.effective(ctx.config);
        if (settings.encryption !== 0 && settings.key === null) {
          throw new StrataError('CORRUPTION', `open: partition ${record.min}: storage '${storage.name}' is encrypted but has no key (a repair could not know it); give it with \`strata repair ${ctx.dir} --key ${storage.name}=<64 hex digits>\``);
        }
        p.file = PartitionFile.open(file, settings.key);
        p.file.verifyCrc = settings.crc;
      } catch (e) {
        if (!isStrataError(e, 'CORRUPTION')) throw e;
        p.damage = e;
        report.damaged.push(`partition ${record.min}: ${e.message}`);
      }
    }
    ctx.partitions.insert(p);
  }
}

/**
 * Deletes the objects `cloud_deletes` lists: those of uploads that never switched and
 * those replaced by a switch whose deletion did not run. A deletion that fails (the
 * cloud is unreachable) is reported, kept, and noted for the retries (cloud-deletes.ts:
 * in the background with `workers` > 0, else by DROP ORPHANS or the next open); open
 * goes on. An object that is the live copy of a partition is never deleted: its row is
 * stale (the key was put again after it was recorded) and is dropped.
 */
export async function reconcileClouds(ctx: EngineContext, report: OpenReport): Promise<void> {
  const live = new Map<string, bigint>();
  for (const p of ctx.partitions.all) {
    if (p.remote !== null) live.set(`${p.remote.link.cloud}\u0000${p.remote.link.bucket}\u0000${p.remote.key}`, p.min);
  }
  const retried = ctx.config.workers > 0 ? 'retried in the background' : 'retried at the next open or by DROP ORPHANS';
  // the live listings first: a crash may have left one naming an object deleted below
  for (const e of await ctx.listings.flush(ctx)) report.cloud.push(`could not write a live listing, deletions of its storage wait: ${e.message}`);
  for (const d of ctx.manifest.listCloudDeletes()) {
    const where = `${d.cloud}:${d.bucket}/${d.key}`;
    const owner = live.get(`${d.cloud}\u0000${d.bucket}\u0000${d.key}`);
    if (owner !== undefined) {
      ctx.manifest.removeCloudDelete(d.id);
      report.cloud.push(`kept ${where}: it is the live copy of partition ${owner}; its deletion was recorded before it was put again`);
      continue;
    }
    const cloud = ctx.clouds.find(d.cloud);
    if (cloud === undefined) {
      ctx.manifest.removeCloudDelete(d.id);
      report.cloud.push(`forgot ${where}: cloud '${d.cloud}' no longer exists; delete the object by hand if it is still there`);
      continue;
    }
    try {
      await ctx.listings.clean(ctx, d.bucket, d.key);
      await ctx.links.client(cloud, d.bucket).delete(d.key);
      ctx.manifest.removeCloudDelete(d.id);
      report.cloud.push(`deleted ${where}`);
    } catch (e) {
      if (!isStrataError(e, 'CLOUD')) throw e;
      ctx.failedDeletes.failed(d, e, false);
      report.cloud.push(`could not delete ${where}, ${retried}: ${e.message}`);
    }
  }
}

/**
 * Replays the WAL into memtables: every event whose partition's file does not
 * already hold its record (`lsn` above the partition's), in log order. Raises the
 * serial counter past replayed serial ids. Damage is handled as the setting
 * `wal_recovery` says; the `CORRUPTION` of damage that valid records follow (mode
 * `tail`) says how to choose another mode. Returns the last lsn seen.
 */
export function replayWal(ctx: EngineContext, wal: Wal, report: OpenReport): bigint {
  let r: WalReplayReport;
  try {
    r = replayRecords(ctx, wal, report);
  } catch (e) {
    if (!isWalDamage(e)) throw e;
    throw new StrataError('CORRUPTION', `open: ${e.message}; pass the mode as wal_recovery to Strata.open, or to the console as --wal-recovery MODE`, { cause: e });
  }
  return r.lastLsn;
}

function replayRecords(ctx: EngineContext, wal: Wal, report: OpenReport): WalReplayReport {
  let skipped = 0;
  let replayedRecords = 0;
  let skippedRecords = 0;
  const dropped = ctx.manifest.listDropped();
  const r = wal.replay(1n, (type, lsn, payload, count) => {
    if (type !== WAL_BATCH) {
      throw new StrataError('CORRUPTION', `open: wal record ${lsn} has unknown type ${type}`);
    }
    const { slab, off: start } = ctx.arena.copy(payload, 0, payload.length);
    const end = start + payload.length;
    const lsnN = Number(lsn);
    const skippedBefore = skipped;
    let n = 0;
    for (let off = start; off < end; off += recSize(slab, off), n++) {
      const hi = recIdHi(slab, off);
      const lo = recIdLo(slab, off);
      if ((slab[off + REC_FLAGS]! & FLAG_SERIAL) !== 0) ctx.serial.raise(hi, lo);
      if (dropped.length > 0 && isDropped(dropped, idJoin(hi, lo), lsn)) {
        skipped++;
        continue;
      }
      const p = partitionFor(ctx, hi, lo);
      if (p.record.lsn >= lsn) {
        skipped++;
        continue;
      }
      p.active.noteLsn(lsnN);
      p.active.insert(slab, off);
    }
    if (n !== count) {
      throw new StrataError('CORRUPTION', `open: wal record ${lsn} holds ${n} events, its header says ${count}`);
    }
    if (skipped > skippedBefore) skippedRecords++;
    if (skipped - skippedBefore < n) replayedRecords++;
  }, ctx.config.wal_recovery);
  report.wal = {
    segments: r.segments, records: r.records, events: r.events, skipped, replayedRecords, replayedEvents: r.events - skipped, skippedRecords,
    truncated: r.truncated, recovery: r.recovery, dropped: r.dropped, kept: [],
  };
  return r;
}

/**
 * The segment files among `files` (the WAL's, after open) that still hold damage a
 * `skip` replay dropped (see `OpenReport.wal.kept`).
 */
export function keptDamage(report: NonNullable<OpenReport['wal']>, files: readonly string[]): string[] {
  return [...new Set(report.dropped.map((d) => d.file))].filter((f) => files.includes(f));
}

/** Whether the event `id` of WAL record `lsn` belongs to a range dropped after it. */
function isDropped(dropped: readonly DroppedRange[], id: bigint, lsn: bigint): boolean {
  for (const d of dropped) if (lsn < d.lsn && id >= d.min && id <= d.max) return true;
  return false;
}
