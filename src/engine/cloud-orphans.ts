/**
 * `SHOW ORPHANS` and `DROP ORPHANS`: objects under a cloud storage's prefix that no
 * partition refers to (left by another database that used the same uuid, restored
 * from an old backup of the manifest, or put by hand). The engine never deletes them by
 * itself: an object it does not know may be someone's data. Objects of operations in
 * flight, and those `cloud_deletes` lists (open() deletes them), are not orphans.
 *
 * @module
 */
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
  const pending = new Set(ctx.manifest.listCloudDeletes().map((d) => `${d.bucket}/${d.key}`));
  const out: OrphanObject[] = [];
  for (const storage of ctx.storages.all()) {
    const link = cloudOf(ctx, storage);
    if (link === null) continue;
    const live = new Set<string>();
    const busy = new Set<bigint>();
    for (const p of ctx.partitions.all) {
      if (p.record.storage !== storage.name) continue;
      if (p.record.onCloud && p.record.file !== 0) live.add(link.key(p.min, p.record.file));
      if (p.refreshing !== null) busy.add(p.min);
    }
    for (const o of await link.client.list(link.prefix)) {
      if (live.has(o.key) || pending.has(`${link.bucket}/${o.key}`)) continue;
      // an object of an operation in flight (its partition is being written) is not an orphan
      const f = parsePartitionFileName(o.key.slice(link.prefix.length));
      if (f !== undefined && busy.has(f.min)) continue;
      out.push({ cloud: link.cloud, bucket: link.bucket, key: o.key, storage: storage.name, size: o.size });
    }
  }
  return out;
}

/** Deletes the orphan objects that {@link listOrphans} finds now; returns them. */
export async function dropOrphans(ctx: EngineContext): Promise<OrphanObject[]> {
  const orphans = await listOrphans(ctx);
  for (const o of orphans) {
    const storage = ctx.storages.find(o.storage);
    const link = storage === undefined ? null : cloudOf(ctx, storage);
    await link?.client.delete(o.key);
  }
  return orphans;
}
