/**
 * `SHOW ORPHANS` and `DROP ORPHANS`: the objects under a cloud storage's prefix that
 * no partition refers to. Two kinds:
 *
 * - orphans (`state` `'orphan'`): objects the database does not account for (left by
 *   another database that used the same uuid, restored from an old backup of the
 *   manifest, or put by hand). The engine never deletes them by itself: an object it
 *   does not know may be someone's data. `DROP ORPHANS` deletes them.
 * - pending deletions (`'deleting'`): objects `cloud_deletes` lists, which the engine
 *   deletes, with the last failure of their deletion (cloud-deletes.ts). `DROP ORPHANS`
 *   retries the failed ones at once.
 *
 * Objects of operations in flight, whose deletion has not failed, are neither.
 *
 * @module
 */
import { LISTING_DIR } from './live-listing.ts';
import type { CloudDelete } from '../../manifest/index.ts';
import type { StorageCloud } from './cloud-link.ts';
import { retryDelete } from './cloud-deletes.ts';
import { cloudOf } from './cloud-objects.ts';
import type { EngineContext } from '../core/context.ts';
import { parsePartitionFileName } from '../core/paths.ts';

/** One row of `SHOW ORPHANS`: an orphan, or an object waiting for deletion. Field names are stable. */
export interface OrphanObject {
  readonly cloud: string;
  readonly bucket: string;
  readonly key: string;
  /** The storage whose prefix holds it. */
  readonly storage: string;
  readonly size: number;
  /**
   * `'orphan'`: nothing in the database accounts for it, the engine never deletes it;
   * `'deleting'`: listed in `cloud_deletes`, the engine deletes it.
   */
  readonly state: 'orphan' | 'deleting';
  /** For `'deleting'`: the last failure of its deletion, or null when none failed (yet). Null for an orphan. */
  readonly error: string | null;
}

/** Lists the orphans and the objects waiting for deletion of every cloud storage (one LIST per storage and page). */
export async function listOrphans(ctx: EngineContext): Promise<OrphanObject[]> {
  const out: OrphanObject[] = [];
  for (const storage of ctx.storages.all()) {
    const link = cloudOf(ctx, storage);
    if (link === null) continue;
    const objects = await link.client.list(link.prefix);
    // judged after the LIST: an upload that ran meanwhile made its object live
    const pending = new Map<string, CloudDelete[]>();
    for (const d of ctx.manifest.listCloudDeletes()) {
      if (d.bucket !== link.bucket) continue;
      const rows = pending.get(d.key);
      if (rows === undefined) pending.set(d.key, [d]);
      else rows.push(d);
    }
    for (const o of objects) {
      const row = { cloud: link.cloud, bucket: link.bucket, key: o.key, storage: storage.name, size: o.size };
      const rows = pending.get(o.key);
      if (rows === undefined) {
        if (isOrphan(ctx, storage.name, link, o.key)) out.push({ ...row, state: 'orphan', error: null });
        continue;
      }
      // the newest failure of the rows naming the key (a failed row is never a put in flight)
      const error = rows.map((d) => ctx.failedDeletes.error(d.id)).findLast((e) => e !== null) ?? null;
      if (isLive(ctx, storage.name, link, o.key) || (error === null && isBusy(ctx, storage.name, link, o.key))) continue;
      out.push({ ...row, state: 'deleting', error });
    }
  }
  return out;
}

/**
 * Deletes the orphans that {@link listOrphans} finds now, then retries at once every
 * deletion that failed (whatever its backoff); returns the rows it listed and
 * deleted. Each orphan is judged again right before its DELETE: one that became live or
 * busy meanwhile stays. A retried deletion goes through the checks of the retrier
 * (cloud-deletes.ts).
 * @throws StrataError `CLOUD` at the first failure (what came before is done).
 */
export async function dropOrphans(ctx: EngineContext): Promise<OrphanObject[]> {
  const listed = await listOrphans(ctx);
  const done = new Set<OrphanObject>();
  for (const o of listed) {
    if (o.state !== 'orphan') continue;
    const storage = ctx.storages.find(o.storage);
    const link = storage === undefined ? null : cloudOf(ctx, storage);
    if (link === null || link.bucket !== o.bucket || !isOrphan(ctx, o.storage, link, o.key)) continue;
    await link.client.delete(o.key);
    done.add(o);
  }
  const deleted = new Set<string>();
  for (const id of ctx.failedDeletes.ids()) {
    const r = await retryDelete(ctx, id, false);
    if (r.kind === 'failed') throw r.error;
    if (r.kind === 'deleted') deleted.add(`${r.row.bucket}\u0000${r.row.key}`);
  }
  // a listed object is gone once a retry deleted its key and no row names it any more
  const left = new Set(ctx.manifest.listCloudDeletes().map((d) => `${d.bucket}\u0000${d.key}`));
  for (const o of listed) {
    const id = `${o.bucket}\u0000${o.key}`;
    if (o.state === 'deleting' && deleted.has(id) && !left.has(id)) done.add(o);
  }
  return listed.filter((o) => done.has(o));
}

/**
 * Whether `key` under `storage`'s prefix is an orphan now: not the live object of one
 * of its partitions, not listed in `cloud_deletes` (the engine deletes those), and not
 * of a partition with an operation in flight, or moving into this storage.
 */
function isOrphan(ctx: EngineContext, storage: string, link: StorageCloud, key: string): boolean {
  // the live listing and its snapshots (live-listing.ts) are the engine's own
  if (key.startsWith(`${link.prefix}${LISTING_DIR}`)) return false;
  if (ctx.manifest.listCloudDeletes().some((d) => d.bucket === link.bucket && d.key === key)) return false;
  return !isLive(ctx, storage, link, key) && !isBusy(ctx, storage, link, key);
}

/** Whether `key` is the live object of a partition of `storage`. */
function isLive(ctx: EngineContext, storage: string, link: StorageCloud, key: string): boolean {
  const f = parsePartitionFileName(key.slice(link.prefix.length));
  const p = f === undefined ? undefined : ctx.partitions.byMin(f.min);
  return f !== undefined && p !== undefined && p.record.storage === storage && p.record.onCloud && p.record.file === f.gen;
}

/** Whether `key` may be the object of an operation in flight: on its partition, or moving one into `storage`. */
function isBusy(ctx: EngineContext, storage: string, link: StorageCloud, key: string): boolean {
  const f = parsePartitionFileName(key.slice(link.prefix.length));
  if (f === undefined) return false;
  if (ctx.operations.list().some((op) => op.partition === f.min && op.destination === storage)) return true;
  const p = ctx.partitions.byMin(f.min);
  return p !== undefined && p.refreshing !== null;
}
