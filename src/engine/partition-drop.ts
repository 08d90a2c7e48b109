/**
 * Dropping partitions.
 *
 * Protocol: in ONE manifest transaction delete the partition's row and record a
 * tombstone of its range at the WAL's next lsn (WAL replay skips the range's events
 * older than that, so they never come back); forget its memtables; then remove its
 * file (a crash before that leaves an orphan that open() removes). Tombstones are
 * pruned once the WAL holds no record older than them.
 *
 * @module
 */
import { type EngineContext, partitionPath } from './context.ts';
import { removeFile } from './fs-util.ts';
import { inject } from './inject.ts';
import type { PartitionState } from './partition-state.ts';
import { releaseWal } from './refresh.ts';

/**
 * Drops partition `p` with its file and its events in memory. With `from` (a
 * rebalance), nothing happens if the partition is no longer on that storage once
 * operations in flight on it have finished.
 */
export async function dropPartition(ctx: EngineContext, p: PartitionState, from?: string): Promise<void> {
  while (p.refreshing !== null) await p.refreshing.catch(() => undefined);
  if (p.dropped || (from !== undefined && p.record.storage !== from)) return;
  const tombstone = ctx.wal === null ? null : { min: p.min, max: p.max, lsn: ctx.wal.lastLsn + 1n };
  ctx.manifest.dropPartition(p.min, tombstone);
  p.dropped = true;
  ctx.partitions.remove(p);
  p.discardMemory();
  const file = p.file;
  p.file = null;
  file?.close();
  inject(ctx, 'error_drop_after_switch');
  if (p.record.file !== 0) removeFile(partitionPath(ctx, p.record.storage, p.min, p.record.file));
  releaseWal(ctx);
}
