/**
 * Deletions of cloud objects that failed, and their retries while the database runs
 * (docs/cloud.md#deletions-that-fail).
 *
 * Every object that may exist without a partition referring to it has a row in
 * `cloud_deletes` (cloud-objects.ts). The engine deletes the object, then the row:
 * when a switch replaced or dropped it (`retireObject`), when a put failed, and at
 * open (`reconcileClouds`). A deletion that fails (the endpoint is down or refuses
 * DELETEs) leaves its row, and is noted here: the row's id, its last error, and a
 * backoff per endpoint (cloud and bucket). With `workers` > 0 the background service
 * retries the noted rows ({@link retryDeletes}); `DROP ORPHANS` retries them at once;
 * open retries every row anyway.
 *
 * Backoff: the first retry comes 1 s after a failure; each pass of the retrier that
 * fails doubles the pause of that endpoint (2, 4, 8, 16 s), up to 30 s. A pass stops at
 * the endpoint's first failure: during an outage one failing call (5 requests, its own
 * retries) per pause, however many rows wait; the row that failed goes to the back, so
 * one object that keeps failing does not hold the others up. A deletion of the
 * endpoint that succeeds elsewhere (a retire, a put's cleanup), or a pass without
 * failure, ends the endpoint's pause. Each row also waits on its own (1 s, doubling with
 * each failed retry of it, up to 30 s), so an object that keeps failing while others
 * succeed is not retried at every tick. So within about 30 s after an outage ends every
 * waiting deletion is retried, most in one pass.
 *
 * Why a retry never deletes a live object nor races a put (every interleaving):
 *
 * - Only rows whose deletion failed are retried, never a row recorded before a put
 *   that is still in flight. Such a row is noted only if the put failed and then the
 *   delete of what it may have left failed: the put is over. Ids come from
 *   AUTOINCREMENT: a noted id never names another row later.
 * - Right before its DELETE a retry reads its row again: a row that is gone was
 *   deleted meanwhile or taken over by a put of the same key (`putObject` removes the
 *   rows of the key it puts, in the transaction that records its own): nothing is
 *   sent. A row that names the live object of a partition is stale (as at open): it is
 *   removed, the object kept.
 * - A put of the same key: `putObject` waits while `ctx.deletions` holds a deletion of
 *   the key, then, in the same synchronous step, removes the key's rows and inserts its
 *   own. A retry checks its row and registers in `ctx.deletions` in one synchronous
 *   step, before its DELETE goes out, and stays registered until the DELETE has ended
 *   and the row is removed. The event loop runs one step at a time, so either the retry
 *   registered first and the put waits for it (then puts the key afresh), or the put's
 *   transaction came first and the retry finds its row gone. Neither has an await
 *   between its check and its act.
 * - Another deletion of the same key in flight (a retire of another row naming it):
 *   the retry waits for the next pass rather than hide that one from a put's wait.
 * - Cursors: an object is retired only once no cursor reads it, and a put's leftover
 *   has no reader, so a failed row names an object nobody reads.
 * - Cloud options and names: the client is taken anew from the row's cloud for every
 *   try, and `ctx.deletions` is keyed by bucket and key, not by the cloud's name, so a
 *   rename during a DELETE does not hide it from a put.
 * - close(): the service stops starting retries, waits for the one in flight, and only
 *   then are the clients closed. Open runs before the service starts.
 *
 * @module
 */
import type { Cloud } from '../../cloud/index.ts';
import { isStrataError, type StrataError } from '../../errors.ts';
import type { CloudDelete } from '../../manifest/index.ts';
import type { EngineContext } from '../core/context.ts';

/** The pause before the first retry after a failure, in milliseconds. */
export const RETRY_FIRST_MS = 1000;
/** The longest pause between two retries of an endpoint's deletions, in milliseconds. */
export const RETRY_MAX_MS = 30_000;

/** The row a failure is about. */
type RowRef = Pick<CloudDelete, 'id' | 'cloud' | 'bucket' | 'key'>;

/** When to try again: for an endpoint, and for each row. */
interface Backoff {
  /** Failed retries since the last success (of the endpoint: failed passes). */
  failures: number;
  /** No retry before this time (ms since the epoch). */
  retryAt: number;
}

interface Failure extends Backoff {
  /** The endpoint: cloud and bucket. */
  readonly group: string;
  /** The last error's message. */
  error: string;
  /** When it last failed (ms since the epoch). */
  at: number;
}

/**
 * The rows of `cloud_deletes` whose deletion failed in this process (at open, or
 * since), with their last error, and the backoff of each endpoint. In memory only:
 * the next open tries every row again.
 */
export class FailedDeletes {
  private readonly rows = new Map<number, Failure>();
  private readonly backoff = new Map<string, Backoff>();

  /** How many failed rows are noted. */
  get size(): number {
    return this.rows.size;
  }

  /**
   * Notes that deleting row `d` failed with `error`. A failure of the retrier itself
   * (`retrier`) doubles the pause of the row and of its endpoint; any other makes both
   * wait at least 1 s from now.
   */
  failed(d: RowRef, error: unknown, retrier: boolean, now = Date.now()): void {
    const group = groupOf(d.cloud, d.bucket);
    this.rows.set(d.id, { group, error: messageOf(error), at: now, ...later(this.rows.get(d.id), retrier, now) });
    this.backoff.set(group, later(this.backoff.get(group), retrier, now));
  }

  /** Notes that row `id` was deleted from `bucket` of `cloud`: the endpoint works, its pause ends. */
  deleted(id: number, cloud: string, bucket: string): void {
    this.rows.delete(id);
    const b = this.backoff.get(groupOf(cloud, bucket));
    if (b !== undefined) {
      b.failures = 0;
      b.retryAt = 0;
    }
  }

  /** Forgets row `id` (it is gone, or was stale). */
  forget(id: number): void {
    this.rows.delete(id);
  }

  /** The last error of row `id`, or null when its deletion has not failed. */
  error(id: number): string | null {
    return this.rows.get(id)?.error ?? null;
  }

  /** Every noted row, least recently failed first. */
  ids(): number[] {
    return [...this.rows].sort(([a, x], [b, y]) => x.at - y.at || a - b).map(([id]) => id);
  }

  /**
   * The rows to retry at `now`, whose pause and whose endpoint's pause have passed, by
   * endpoint, each least recently failed first. Endpoints without rows are forgotten.
   */
  due(now = Date.now()): number[][] {
    const groups = new Map<string, number[]>();
    for (const id of this.ids()) {
      const { group, retryAt } = this.rows.get(id)!;
      if (retryAt > now || (this.backoff.get(group)?.retryAt ?? 0) > now) continue;
      let ids = groups.get(group);
      if (ids === undefined) groups.set(group, (ids = []));
      ids.push(id);
    }
    const live = new Set([...this.rows.values()].map((f) => f.group));
    for (const group of this.backoff.keys()) if (!live.has(group)) this.backoff.delete(group);
    return [...groups.values()];
  }
}

/** The key of `ctx.deletions` for object `key` of `bucket`. */
export function objectId(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`;
}

/**
 * The backoff after a failure: a retry's doubles the pause (2, 4, 8, 16, then 30 s);
 * any other failure waits at least 1 s from now, never less than the pause set.
 */
function later(b: Backoff | undefined, retrier: boolean, now: number): Backoff {
  if (!retrier) return { failures: b?.failures ?? 0, retryAt: Math.max(b?.retryAt ?? 0, now + RETRY_FIRST_MS) };
  const failures = (b?.failures ?? 0) + 1;
  return { failures, retryAt: now + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures) };
}

function groupOf(cloud: string, bucket: string): string {
  return `${cloud}\u0000${bucket}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Deletes object `key` of `client`'s bucket, then `cloud_deletes` row `id`, registered
 * in `ctx.deletions` from this call until both are done, and notes the outcome in
 * `ctx.failedDeletes` (`retrier`: a failure doubles the endpoint's pause). The caller
 * checks the row in the same synchronous step: the DELETE is registered before this
 * returns. A failure leaves the row and rejects.
 */
export async function deleteListed(ctx: EngineContext, client: Cloud, cloud: string, id: number, key: string, retrier: boolean): Promise<void> {
  const where = objectId(client.bucket, key);
  // a listing that may still name the object is written anew first (live-listing.ts)
  const run = ctx.listings.clean(ctx, client.bucket, key).then(() => client.delete(key)).then(() => ctx.manifest.removeCloudDelete(id));
  ctx.deletions.set(where, run);
  try {
    await run;
    ctx.failedDeletes.deleted(id, cloud, client.bucket);
  } catch (e) {
    ctx.failedDeletes.failed({ id, cloud, bucket: client.bucket, key }, e, retrier);
    throw e;
  } finally {
    if (ctx.deletions.get(where) === run) ctx.deletions.delete(where);
  }
}

/** What one retry did. */
export type RetryOutcome =
  /** The object was deleted, then the row. */
  | { readonly kind: 'deleted'; readonly row: CloudDelete }
  /** The row is gone (deleted meanwhile, or taken over by a put of the key): nothing sent. */
  | { readonly kind: 'gone' }
  /** The row named a partition's live object: stale, removed; the object kept. */
  | { readonly kind: 'kept'; readonly row: CloudDelete }
  /** Not now: another deletion of the key is in flight, or the row's cloud no longer exists. */
  | { readonly kind: 'waiting' }
  /** The DELETE failed (noted); the row stays. */
  | { readonly kind: 'failed'; readonly row: CloudDelete; readonly error: StrataError };

/**
 * Retries the deletion of `cloud_deletes` row `id`, whose deletion failed before (see
 * the module comment for why this never deletes a live object nor races a put).
 * @throws what is not a `CLOUD` failure of the DELETE (the manifest's `IO`, `CLOSED`).
 */
export async function retryDelete(ctx: EngineContext, id: number, retrier: boolean): Promise<RetryOutcome> {
  // no await from here until the DELETE is registered: a put of the key sees it or has removed the row
  const row = ctx.manifest.getCloudDelete(id);
  if (row === undefined) {
    ctx.failedDeletes.forget(id);
    return { kind: 'gone' };
  }
  if (isLive(ctx, row)) {
    ctx.manifest.removeCloudDelete(id);
    ctx.failedDeletes.forget(id);
    return { kind: 'kept', row };
  }
  const cloud = ctx.clouds.find(row.cloud);
  if (cloud === undefined) {
    const error = `cloud '${row.cloud}' no longer exists; the next open forgets the row: delete the object by hand if it is still there`;
    ctx.failedDeletes.failed(row, new Error(error), false);
    return { kind: 'waiting' };
  }
  if (ctx.deletions.has(objectId(row.bucket, row.key))) return { kind: 'waiting' };
  try {
    await deleteListed(ctx, ctx.links.client(cloud, row.bucket), row.cloud, id, row.key, retrier);
    return { kind: 'deleted', row };
  } catch (e) {
    if (!isStrataError(e, 'CLOUD')) throw e;
    return { kind: 'failed', row, error: e };
  }
}

/**
 * One pass of the background retrier: for each endpoint whose pause has passed, its
 * failed rows one after the other, stopping at the endpoint's first failure. Stops
 * when `active()` turns false (the database closes).
 */
export async function retryDeletes(ctx: EngineContext, active: () => boolean): Promise<void> {
  for (const ids of ctx.failedDeletes.due()) {
    for (const id of ids) {
      if (!active()) return;
      const r = await retryDelete(ctx, id, true);
      // the endpoint fails: its other rows wait for the next pass
      if (r.kind === 'failed') break;
    }
  }
}

/** Whether `row` names the live object of a partition (same bucket and key). */
function isLive(ctx: EngineContext, row: CloudDelete): boolean {
  for (const p of ctx.partitions.all) {
    const r = p.remote;
    if (r !== null && r.key === row.key && r.link.bucket === row.bucket) return true;
  }
  return false;
}
