/**
 * Dropping partitions.
 *
 * Protocol: in ONE manifest transaction delete the partition's row and record a
 * tombstone of its range at the WAL's next lsn (WAL replay skips the range's events
 * older than that, so they never come back); forget its memtables; then remove its
 * file (a crash before that leaves an orphan that open() removes) and its cloud object
 * (recorded in `cloud_deletes` by the same transaction, so open() finishes an
 * interrupted deletion). Tombstones are
 * pruned once the WAL holds no record older than them.
 *
 * @module
 */
import { type EngineContext, partitionPath } from '../core/context.ts';
import { removeFile } from '../core/fs-util.ts';
import { inject } from '../core/inject.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { releaseWal } from './wal-release.ts';
import { cloudOf, doomObject, listingChanged, retireObject } from '../cloud/cloud-objects.ts';

/**
 * Drops partition `p` with its file and its events in memory. With `from` (a
 * rebalance), nothing happens if the partition is no longer on that storage once
 * operations in flight on it have finished.
 */
export async function dropPartition(ctx: EngineContext, p: PartitionState, from?: string): Promise<void> {
  while (p.refreshing !== null) await p.refreshing.catch(() => undefined);
  if (p.dropped || (from !== undefined && p.record.storage !== from)) return;
  const tombstone = ctx.wal === null ? null : { min: p.min, max: p.max, lsn: ctx.wal.lastLsn + 1n };
  const rec = p.record;
  const link = rec.onCloud && rec.file !== 0 ? cloudOf(ctx, ctx.storages.get('drop partition', rec.storage)) : null;
  let doomed: number | null = null;
  ctx.manifest.transaction(() => {
    ctx.manifest.dropPartition(p.min, tombstone);
    if (link !== null) doomed = doomObject(ctx, link, link.key(p.min, rec.file));
  });
  p.dropped = true;
  ctx.partitions.remove(p);
  p.discardMemory();
  const file = p.file;
  p.file = null;
  file?.close();
  inject(ctx, 'error_drop_after_switch');
  if (rec.file !== 0 && rec.onStorage) removeFile(partitionPath(ctx, rec.storage, p.min, rec.file));
  const remote = p.remote;
  p.remote = null;
  releaseWal(ctx);
  if (link !== null) await listingChanged(ctx, ctx.storages.get('drop partition', rec.storage), link);
  if (doomed !== null) await retireObject(ctx, remote, link!, doomed, link!.key(p.min, rec.file));
}
