/**
 * `UPLOAD`, `DOWNLOAD` and `DROP ... ON STORAGE | ON CLOUD`: adding and removing the
 * copies of a partition's file (docs/cloud.md). Every step follows copy, verify,
 * switch, delete (cloud-objects.ts); a partition always keeps at least one copy.
 *
 * @module
 */
import * as path from 'node:path';
import { StrataError } from '../../errors.ts';
import type { PartitionRecord } from '../../manifest/index.ts';
import { PartitionFile } from '../../partition/index.ts';
import { checkSameCloud, cloudOf, doomObject, dropsLocal, fetchObject, listingChanged, putObject, remoteFor, retireObject, deleteObject } from '../cloud/cloud-objects.ts';
import type { StorageCloud } from '../cloud/cloud-link.ts';
import { type EngineContext, nowMicros } from '../core/context.ts';
import { exclusive } from '../core/exclusive.ts';
import { removeFile } from '../core/fs-util.ts';
import { inject, isInjected } from '../core/inject.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { partitionFileName } from '../core/paths.ts';
import { refreshFormat, refreshPartition } from './refresh.ts';
import type { Storage } from '../../tiering/index.ts';

/** The partition's storage and its cloud; null cloud when it has none (allowed with `ifCloud`). */
function placeOf(ctx: EngineContext, p: PartitionState, op: string, ifCloud: boolean): { storage: Storage; link: StorageCloud } | null {
  const storage = ctx.storages.get(op, p.record.storage);
  const link = cloudOf(ctx, storage);
  if (link !== null) return { storage, link };
  if (ifCloud) return null;
  const what = op.startsWith('download') ? ', so nothing of it is on a cloud; add' : `; give the storage one (ALTER STORAGE ${storage.name} SET (cloud name)) or add`;
  throw new StrataError('INVALID_INPUT', `${op}: partition ${p.min} is on storage '${storage.name}', which has no cloud${what} IF CLOUD to skip such partitions`);
}

/** Checks, before anything changes, that `op` may run on `p` (it has a cloud, unless `ifCloud`). */
export function checkCloud(ctx: EngineContext, p: PartitionState, op: string, ifCloud: boolean): void {
  placeOf(ctx, p, op, ifCloud);
}

/**
 * Uploads `p`'s file to its storage's cloud: refreshes it first when it has events in
 * memory (and, whatever `refreshFirst`, when the file is not in the storage's format),
 * then puts the object, verifies it, records `on_cloud` and, with
 * `cloud_drop_local`, removes the local file. Nothing happens when the partition is on
 * the cloud already or has no events. The background passes `refreshFirst` false:
 * it uploads the file as it is. A failure is noted on the partition (SHOW
 * PARTITIONS) and rethrown; the local file stays.
 */
export async function uploadPartition(ctx: EngineContext, p: PartitionState, op: string, ifCloud: boolean, refreshFirst = true): Promise<void> {
  if (placeOf(ctx, p, op, ifCloud) === null) return;
  if (refreshFirst && p.eventsInMemory > 0) await refreshPartition(ctx, p);
  // a file written before the storage's format changed goes up in the new format
  await refreshFormat(ctx, p);
  await exclusive(ctx, p, async () => {
    if (p.dropped || p.record.file === 0 || p.record.onCloud || !p.record.onStorage) return;
    const place = placeOf(ctx, p, op, ifCloud);
    if (place === null) return;
    const { storage, link } = place;
    const rec = p.record;
    const key = link.key(p.min, rec.file);
    const local = path.join(storage.dir, partitionFileName(p.min, rec.file));
    const info = { kind: 'upload', partition: p.min, source: storage.name, destination: `cloud ${link.cloud}`, bytes_done: 0, bytes_total: rec.size, started: nowMicros() };
    const end = ctx.operations.begin(info);
    try {
      const id = await putObject(ctx, link, key, local, op);
      info.bytes_done = rec.size;
      const record: PartitionRecord = { ...rec, onCloud: true, onStorage: !dropsLocal(storage) };
      try {
        inject(ctx, 'error_upload_before_switch');
        if (ctx.storages.find(storage.name) !== storage) {
          throw new StrataError('INVALID_INPUT', `${op}: storage '${storage.name}' changed while partition ${p.min} was uploaded; nothing was changed, retry`, { retryable: true });
        }
        checkSameCloud(ctx, op, storage, link, p.min);
        ctx.manifest.transaction(() => {
          ctx.manifest.updatePartition(record);
          ctx.manifest.removeCloudDelete(id);
        });
      } catch (e) {
        if (!isInjected(e)) await deleteObject(ctx, link, id, key).catch(() => undefined);
        throw e;
      }
      p.record = record;
      p.remote = remoteFor(ctx, storage, record);
      p.clearCloudFailure();
      ctx.listings.noteFormat(ctx, storage, key, p.file?.format ?? storage.effective(ctx.config).format);
      inject(ctx, 'error_upload_after_switch');
      await listingChanged(ctx, storage, link);
      if (!record.onStorage) {
        const file = p.file;
        p.file = null;
        file?.close();
        removeFile(local);
      }
    } catch (e) {
      ctx.operations.failed(info);
      if (!isInjected(e)) p.noteCloudFailure(info, e);
      throw e;
    } finally {
      end();
    }
  });
}

/**
 * Downloads `p`'s object into its storage's folder and records `on_storage`; the
 * object stays (drop it with `DROP PARTITION ... ON CLOUD`). Nothing happens when the
 * partition has a local file already or is not on the cloud.
 */
export async function downloadPartition(ctx: EngineContext, p: PartitionState, op: string, ifCloud: boolean): Promise<void> {
  if (placeOf(ctx, p, op, ifCloud) === null) return;
  await exclusive(ctx, p, async () => {
    if (p.dropped || !p.record.onCloud || p.record.onStorage) return;
    const place = placeOf(ctx, p, op, ifCloud);
    if (place === null) return;
    const { storage, link } = place;
    const rec = p.record;
    const local = path.join(storage.dir, partitionFileName(p.min, rec.file));
    const info = { kind: 'download', partition: p.min, source: `cloud ${link.cloud}`, destination: storage.name, bytes_done: 0, bytes_total: rec.size, started: nowMicros() };
    const end = ctx.operations.begin(info);
    let file: PartitionFile | null = null;
    try {
      const settings = storage.effective(ctx.config);
      await fetchObject(ctx, p, link, local, settings.sync);
      info.bytes_done = rec.size;
      file = PartitionFile.open(local, settings.key);
      file.verifyCrc = settings.crc;
      if (file.events !== rec.events) {
        throw new StrataError('CORRUPTION', `${op}: ${link.where(link.key(p.min, rec.file))} holds ${file.events} events, the manifest records ${rec.events}; restore the object or drop the partition`);
      }
      inject(ctx, 'error_download_before_switch');
      // the current record: the storage may have been renamed during the download
      const record: PartitionRecord = { ...p.record, onStorage: true };
      ctx.manifest.updatePartition(record);
      p.record = record;
      p.file = file;
      file = null;
      p.clearCloudFailure();
      inject(ctx, 'error_download_after_switch');
    } catch (e) {
      ctx.operations.failed(info);
      file?.close();
      if (!p.record.onStorage && !isInjected(e)) removeFile(local);
      if (!isInjected(e)) p.noteCloudFailure(info, e);
      throw e;
    } finally {
      end();
    }
  });
}

/**
 * Checks, before anything changes, that dropping the copy `on` of `p` leaves it one:
 * the other copy must exist.
 * @throws StrataError `INVALID_INPUT` naming what to do instead.
 */
export function checkDropCopy(p: PartitionState, on: 'storage' | 'cloud', op: string): void {
  const r = p.record;
  if (on === 'cloud' && r.onCloud && !r.onStorage) {
    throw new StrataError('INVALID_INPUT', `${op} on cloud: partition ${p.min} has no local copy, so this would drop its only copy; DOWNLOAD PARTITION ${p.min} first, or DROP PARTITION ${p.min} to drop it`);
  }
  if (on === 'storage' && r.onStorage && !r.onCloud && r.file !== 0) {
    throw new StrataError('INVALID_INPUT', `${op} on storage: partition ${p.min} is not on the cloud, so this would drop its only copy; UPLOAD PARTITION ${p.min} first, or DROP PARTITION ${p.min} to drop it`);
  }
}

/** Removes one copy of `p`'s file (the other stays); a no-op when that copy does not exist. */
export async function dropCopy(ctx: EngineContext, p: PartitionState, on: 'storage' | 'cloud', op: string): Promise<void> {
  await exclusive(ctx, p, async () => {
    if (p.dropped) return;
    checkDropCopy(p, on, op);
    const rec = p.record;
    const storage = ctx.storages.get(op, rec.storage);
    if (on === 'cloud') {
      if (!rec.onCloud) return;
      const link = cloudOf(ctx, storage)!;
      const key = link.key(p.min, rec.file);
      const record: PartitionRecord = { ...rec, onCloud: false };
      let id = 0;
      ctx.manifest.transaction(() => {
        ctx.manifest.updatePartition(record);
        id = doomObject(ctx, link, key);
      });
      const remote = p.remote;
      p.record = record;
      p.remote = null;
      await listingChanged(ctx, storage, link);
      await retireObject(ctx, remote, link, id, key);
    } else {
      if (!rec.onStorage || rec.file === 0) return;
      const record: PartitionRecord = { ...rec, onStorage: false };
      ctx.manifest.updatePartition(record);
      p.record = record;
      const file = p.file;
      p.file = null;
      file?.close();
      removeFile(path.join(storage.dir, partitionFileName(p.min, rec.file)));
    }
  });
}

/** Whether the background should upload `p` now: its storage has a cloud, its file is only local, no backoff pending. */
export function wantsUpload(ctx: EngineContext, p: PartitionState): boolean {
  const r = p.record;
  if (p.dropped || r.file === 0 || r.onCloud || !r.onStorage || p.refreshing !== null || p.damage !== null) return false;
  if (Date.now() < p.cloudRetryAt) return false;
  const storage = ctx.storages.find(r.storage);
  return storage !== undefined && typeof storage.record.options.cloud === 'string';
}
