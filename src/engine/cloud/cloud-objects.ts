/**
 * The steps of the cloud tier's protocols, shared by uploads, downloads, refreshes
 * and moves (docs/cloud.md):
 *
 * - put: record the new key in `cloud_deletes` (so a crash before the switch leaves
 *   nothing behind: open() deletes it), put the object streamed from the file (one
 *   PUT, or a multipart upload for a big file), check its size and entity tag;
 * - switch: in ONE manifest transaction, point the partition at the new copy, forget
 *   the new key's row and record the replaced object's key in its place;
 * - delete: remove the replaced object once no cursor reads it, then its row; a
 *   deletion that fails is retried later (cloud-deletes.ts).
 *
 * @module
 */
import * as fs from 'node:fs';
import { ioError, StrataError } from '../../errors.ts';
import type { PartitionRecord } from '../../manifest/index.ts';
import type { StorageCloud } from './cloud-link.ts';
import { deleteListed, objectId } from './cloud-deletes.ts';
import { type EngineContext, nowMicros } from '../core/context.ts';
import { removeFile } from '../core/fs-util.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { RemoteObject } from './remote-object.ts';
import type { Storage } from '../../tiering/index.ts';

/** The cloud side of `storage`, or null when it has no cloud. */
export function cloudOf(ctx: EngineContext, storage: Storage): StorageCloud | null {
  const name = storage.record.options.cloud;
  if (typeof name !== 'string') return null;
  return ctx.links.of(storage, ctx.clouds.find(name));
}

/** Whether a storage removes the local file once the object is recorded (`cloud_drop_local`, default true). */
export function dropsLocal(storage: Storage): boolean {
  return storage.record.options.cloud_drop_local !== false;
}

/** The object of `record`'s file on `storage`'s cloud, or null when the file is not there. */
export function remoteFor(ctx: EngineContext, storage: Storage, record: PartitionRecord): RemoteObject | null {
  if (!record.onCloud || record.file === 0) return null;
  const link = cloudOf(ctx, storage);
  if (link === null) return null;
  const s = storage.effective(ctx.config);
  return new RemoteObject(link, link.key(record.min, record.file), record.size, record.regions, s.key, s.crc, s.format);
}

/**
 * Fetches the object of `p`'s live file into `file`, streamed (mode 0600; with
 * `sync`, file and directory fsynced). On failure `file` does not exist.
 * @throws StrataError `CLOUD` when the get fails; `CORRUPTION` when the object's size
 *   is not the recorded one; `IO` when the file cannot be written.
 */
export async function fetchObject(ctx: EngineContext, p: PartitionState, link: StorageCloud, file: string, sync: boolean): Promise<void> {
  const key = link.key(p.min, p.record.file);
  const size = await link.client.getToFile(key, file, { sync });
  if (size !== p.record.size) {
    try {
      removeFile(file);
    } catch {
      // the caller removes what a failed download left, and says why it could not
    }
    throw new StrataError('CORRUPTION', `download: ${link.where(key)} has ${size} bytes, the manifest records ${p.record.size}; restore the object or drop the partition`);
  }
}

/**
 * Puts the local `file` as object `key`, verified, after recording the key in
 * `cloud_deletes`; returns that row's id, which the switch must remove. On failure
 * the object is deleted (or, when that fails too, left with its row for the retries of
 * cloud-deletes.ts) and the error rethrown.
 *
 * A key can be put again while an older row still names it: an upload that failed
 * and could not delete what it left, then retried; a cloud copy dropped while a
 * cursor still reads it, then uploaded again. The new row
 * replaces those (in one transaction), once any deletion of the key in flight has
 * ended: otherwise they would delete the object once it is live.
 */
export async function putObject(ctx: EngineContext, link: StorageCloud, key: string, file: string, op: string): Promise<number> {
  const where = objectId(link.bucket, key);
  for (let d = ctx.deletions.get(where); d !== undefined; d = ctx.deletions.get(where)) await d.catch(() => undefined);
  const id = ctx.manifest.transaction(() => {
    ctx.manifest.removeCloudDeletesOf(link.cloud, link.bucket, key);
    return ctx.manifest.insertCloudDelete({ cloud: link.cloud, bucket: link.bucket, key, created: nowMicros() });
  });
  try {
    let size: number;
    try {
      size = (await fs.promises.stat(file)).size;
    } catch (e) {
      throw ioError(op, file, e);
    }
    await link.putFileVerified(op, key, file, size);
    return id;
  } catch (e) {
    await deleteObject(ctx, link, id, key).catch(() => undefined);
    throw e;
  }
}

/**
 * After a switch that changed the live objects of `storage`'s cloud: writes its live
 * listing (live-listing.ts), when it keeps one. A failure is not the switch's: the
 * listing stays dirty, and the deletions of the storage's objects wait for it.
 */
export async function listingChanged(ctx: EngineContext, storage: Storage, link: StorageCloud | null): Promise<void> {
  if (link === null) return;
  await ctx.listings.changed(ctx, storage, link).catch(() => undefined);
}

/** Records, inside the caller's switch transaction, that `key` is to be deleted; returns the row's id. */
export function doomObject(ctx: EngineContext, link: StorageCloud, key: string): number {
  return ctx.manifest.insertCloudDelete({ cloud: link.cloud, bucket: link.bucket, key, created: nowMicros() });
}

/**
 * Deletes the object of `cloud_deletes` row `id`, then the row. A failure leaves the row
 * and is noted for the retries (cloud-deletes.ts: the background service, DROP ORPHANS,
 * open). Nothing happens when the row is gone: a put of the same key took it over
 * ({@link putObject}), and the object is, or is about to be, live.
 */
export async function deleteObject(ctx: EngineContext, link: StorageCloud, id: number, key: string): Promise<void> {
  if (!ctx.manifest.hasCloudDelete(id)) return;
  await deleteListed(ctx, link.client, link.cloud, id, key, false);
}

/**
 * Deletes a replaced object (row `id`) once no cursor reads it: now, awaited, when
 * none does; else when the last one lets go. A failed delete leaves the row, retried
 * later (cloud-deletes.ts).
 */
export async function retireObject(ctx: EngineContext, remote: RemoteObject | null, link: StorageCloud, id: number, key: string): Promise<void> {
  const remove = (): Promise<void> => deleteObject(ctx, link, id, key).catch(() => undefined);
  if (remote === null || remote.readers === 0) return remove();
  remote.retire(() => {
    // close() waits for it
    const d = remove();
    ctx.inflight.add(d);
    void d.finally(() => ctx.inflight.delete(d));
  });
}

/**
 * Checks, after a put and before the switch, that `storage` still keeps its objects
 * where `link` put one (its cloud, or the cloud's bucket, may have changed meanwhile).
 * @throws StrataError `INVALID_INPUT` (retryable) when it does not.
 */
export function checkSameCloud(ctx: EngineContext, op: string, storage: Storage, link: StorageCloud, min: bigint): void {
  const now = ctx.storages.find(storage.name);
  const nowLink = now === undefined ? null : cloudOf(ctx, now);
  if (nowLink === null || nowLink.cloud !== link.cloud || nowLink.bucket !== link.bucket) {
    throw new StrataError('INVALID_INPUT', `${op}: the cloud of storage '${storage.name}' changed while partition ${min} was uploaded; nothing was changed, retry`, { retryable: true });
  }
}
