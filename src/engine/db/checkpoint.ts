/**
 * The checkpoint: refresh every partition that holds events in memory, then release
 * the WAL segments no memtable needs. `db.checkpoint()`, `CHECKPOINT`, an open with the
 * WAL off or after a `skip` recovery, and `close()` with the WAL off run it.
 *
 * @module
 */
import { isStrataError } from '../../errors.ts';
import type { EngineContext } from '../core/context.ts';
import { refreshPartition } from '../lifecycle/refresh.ts';
import { releaseWal } from '../lifecycle/wal-release.ts';

/** What a checkpoint (`db.checkpoint()`, `CHECKPOINT`) did. Field names are stable. */
export interface CheckpointResult {
  /** Partitions refreshed: their memtables were merged into a new file. */
  readonly partitions: number;
  /**
   * Partitions that hold events in memory but could not be refreshed because their file
   * is damaged (found at open, or by this merge), by `min`, with the error: their events
   * stay in memory and in the WAL; restore the file or drop the partition.
   */
  readonly damaged: readonly { readonly partition: bigint; readonly error: string }[];
}

/**
 * Refreshes every partition with events in memory (all at once; operations of one
 * partition still run one after the other), then releases WAL segments and waits for
 * them to be unlinked. A partition whose file is damaged is not refreshed: it is listed
 * in the result, and so is one whose merge finds damage (`CORRUPTION`).
 * @throws the first other failure (`IO`, `CLOUD`, `INTERNAL`), once every refresh has
 *   ended and the WAL is released.
 */
export async function checkpointAll(ctx: EngineContext): Promise<CheckpointResult> {
  const damaged: { partition: bigint; error: string }[] = [];
  const todo = ctx.partitions.all.filter((p) => p.eventsInMemory > 0);
  const outcomes = await Promise.allSettled(
    todo.map((p) => {
      if (p.damage === null) return refreshPartition(ctx, p);
      damaged.push({ partition: p.min, error: p.damage.message });
      return Promise.resolve();
    }),
  );
  releaseWal(ctx);
  // the released segments are unlinked on the thread pool: a checkpoint ends with them gone
  await ctx.wal?.released().catch(() => undefined);
  let failure: unknown;
  let refreshed = 0;
  outcomes.forEach((o, i) => {
    if (o.status === 'fulfilled') {
      if (todo[i]!.damage === null) refreshed++;
    } else if (isStrataError(o.reason, 'CORRUPTION')) {
      damaged.push({ partition: todo[i]!.min, error: o.reason.message });
    } else {
      failure ??= o.reason;
    }
  });
  if (failure !== undefined) throw failure;
  damaged.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
  return { partitions: refreshed, damaged };
}
