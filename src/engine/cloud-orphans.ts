/**
 * `SHOW ORPHANS` and `DROP ORPHANS`: objects under a cloud storage's prefix that no
 * partition refers to (left by another database that used the same uuid, restored
 * from an old backup of the manifest, or put by hand). The engine never deletes them by
 * itself: an object it does not know may be someone's data. Objects of operations in
 * flight, and those `cloud_deletes` lists (open() deletes them), are not orphans.
 *
 * @module
 */
import type { StorageCloud } from './cloud-link.ts';
import { cloudOf } from './cloud-objects.ts';
import type { EngineContext } from './context.ts';
import { parsePartitionFileName } from './paths.ts';

/** One orphan object, as `SHOW ORPHANS` lists it. Field names are stable. */
export interface OrphanObject {
  readonly cloud: string;
  readonly bucket: string;
  readonly key: string;
  /** The storage whose prefix holds it. */
  readonly storage: string;
  readonly size: number;
}

/** Lists the orphan objects of every cloud storage (one LIST per storage and page). */
export async function listOrphans(ctx: EngineContext): Promise<OrphanObject[]> {
  const out: OrphanObject[] = [];
  for (const storage of ctx.storages.all()) {
    const link = cloudOf(ctx, storage);
    if (link === null) continue;
    const objects = await link.client.list(link.prefix);
    // judged after the LIST: an upload that ran meanwhile made its object live
    for (const o of objects) if (isOrphan(ctx, storage.name, link, o.key)) out.push({ cloud: link.cloud, bucket: link.bucket, key: o.key, storage: storage.name, size: o.size });
  }
  return out;
}

/**
 * Deletes the orphan objects that {@link listOrphans} finds now; returns them. Each one
 * is judged again right before its DELETE: one that became live or busy meanwhile stays.
 */
export async function dropOrphans(ctx: EngineContext): Promise<OrphanObject[]> {
  const dropped: OrphanObject[] = [];
  for (const o of await listOrphans(ctx)) {
    const storage = ctx.storages.find(o.storage);
    const link = storage === undefined ? null : cloudOf(ctx, storage);
    if (link === null || link.bucket !== o.bucket || !isOrphan(ctx, o.storage, link, o.key)) continue;
    await link.client.delete(o.key);
    dropped.push(o);
  }
  return dropped;
}

/**
 * Whether `key` under `storage`'s prefix is an orphan now: not the live object of one
 * of its partitions, not listed in `cloud_deletes` (open deletes those), and not of a
 * partition with an operation in flight, or moving into this storage.
 */
function isOrphan(ctx: EngineContext, storage: string, link: StorageCloud, key: string): boolean {
  if (ctx.manifest.listCloudDeletes().some((d) => d.bucket === link.bucket && d.key === key)) return false;
  const f = parsePartitionFileName(key.slice(link.prefix.length));
  if (f === undefined) return true;
  if (ctx.operations.list().some((op) => op.partition === f.min && op.destination === storage)) return false;
  const p = ctx.partitions.all.find((q) => q.min === f.min);
  if (p === undefined) return true;
  if (p.refreshing !== null) return false;
  return !(p.record.storage === storage && p.record.onCloud && p.record.file === f.gen);
}
