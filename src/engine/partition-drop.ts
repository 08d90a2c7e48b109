/**
 * Dropping partitions.
 *
 * Protocol: log the drop in the WAL (so that a replay never brings the events back,
 * and finishes a drop a crash interrupted), delete the partition's row from the
 * manifest, forget its memtables, then remove its file (a crash before that leaves
 * an orphan that open() removes).
 *
 * @module
 */
import { WAL_DROP_RANGE, encodeDropRange } from '../wal/index.ts';
import { type EngineContext, partitionPath } from './context.ts';
import { inject } from './inject.ts';
import { removeFile } from './fs-util.ts';
import type { PartitionState } from './partition-state.ts';
import { releaseWal } from './refresh.ts';

/** Drops partition `p` with its file and its events in memory. */
export async function dropPartition(ctx: EngineContext, p: PartitionState): Promise<void> {
  while (p.refreshing !== null) await p.refreshing.catch(() => undefined);
  if (p.dropped) return;
  ctx.wal?.append(WAL_DROP_RANGE, encodeDropRange(p.min, p.max), 0);
  inject(ctx, 'error_drop_after_log');
  forgetPartition(ctx, p, true);
  releaseWal(ctx);
}

/**
 * Removes `p` from the manifest, memory and disk (no WAL record: the caller logged
 * it, or is replaying the log).
 */
export function forgetPartition(ctx: EngineContext, p: PartitionState, injectable = false): void {
  ctx.manifest.deletePartition(p.min);
  if (injectable) inject(ctx, 'error_drop_after_switch');
  p.dropped = true;
  ctx.partitions.remove(p);
  p.discardMemory();
  const file = p.file;
  p.file = null;
  file?.close();
  if (p.record.file !== 0) removeFile(partitionPath(ctx, p.record.storage, p.min, p.record.file));
}
