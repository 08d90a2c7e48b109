/**
 * Refresh and move: merge a partition's memtables with its file into a new file (on
 * its own storage, or on another one for a move), and swap.
 *
 * Protocol (docs/manifest.md): freeze the memtable (a fresh one takes writes);
 * record the operation in the manifest; the refresh job writes and fsyncs the new
 * file and its directory (in a worker thread when `workers > 0`); in ONE manifest
 * transaction point the partition at the new file (and storage) and drop the
 * operation row; swap the file and the memtables in memory; then delete the old
 * file and release WAL segments no memtable needs. A crash at any step leaves either
 * the old or the new file live, and open() removes the other. Error-injection points
 * (inject.ts) stop an operation between these steps for the crash tests.
 *
 * @module
 */
import * as path from 'node:path';
import type { PartitionRecord } from '../../manifest/index.ts';
import { parseWalSegmentName } from '../../wal/index.ts';
import { type FileIdentity, type Memtable, PartitionFile, type RefreshJob, type RefreshResult } from '../../partition/index.ts';
import { isStrataError, StrataError } from '../../errors.ts';
import { type EngineContext, nowMicros } from '../core/context.ts';
import { inject, isInjected } from '../core/inject.ts';
import type { Storage } from '../../tiering/index.ts';
import { removeFile, removeFileAsync } from '../core/fs-util.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { partitionFileName } from '../core/paths.ts';
import { exclusive } from '../core/exclusive.ts';
import { checkSameCloud, cloudOf, deleteObject, doomObject, dropsLocal, fetchObject, putObject, remoteFor, retireObject } from '../cloud/cloud-objects.ts';

/**
 * Refreshes partition `p`: merges its memtables into a new file on its storage.
 * Operations on one partition run one after the other; readers and writers go on
 * meanwhile. On failure the frozen memtables stay (readable, and retried by the next
 * refresh) and the error is rethrown.
 */
export async function refreshPartition(ctx: EngineContext, p: PartitionState): Promise<void> {
  await exclusive(ctx, p, () => {
    if (p.dropped || (p.active.count === 0 && p.frozen.length === 0)) return Promise.resolve();
    return rewrite(ctx, p, ctx.storages.get('refresh', p.record.storage), 'refresh');
  });
}

/**
 * Moves partition `p` into storage `dest`: a refresh whose new file is written in
 * `dest` with `dest`'s settings (compression, region size, encryption). The source
 * file is deleted only after the new one is synced and recorded. With `from` (a
 * rebalance), nothing happens if the partition has left that storage meanwhile.
 */
export async function movePartition(ctx: EngineContext, p: PartitionState, dest: Storage, from?: string): Promise<void> {
  await exclusive(ctx, p, () => {
    if (p.dropped || p.record.storage === dest.name || (from !== undefined && p.record.storage !== from)) return Promise.resolve();
    return rewrite(ctx, p, dest, 'move');
  });
}

/**
 * Merges `p`'s memtables and its file into a new file on `dest`. When `dest` has a
 * cloud and the partition is on the cloud (or is moving, or `upload` asks), the new
 * file is uploaded and verified before the switch, and the local copy kept only when
 * `dest` keeps local files; a partition whose file is only on the cloud is first
 * fetched into its storage's folder.
 */
async function rewrite(ctx: EngineContext, p: PartitionState, dest: Storage, kind: 'refresh' | 'move'): Promise<void> {
  // freeze: a fresh memtable takes writes from here on
  p.freeze();
  const frozen = p.frozen.slice();
  const source = ctx.storages.get(kind, p.record.storage);
  const old = p.record;
  // the highest WAL lsn the new file holds: recorded in its footer and in the manifest
  let lsn = old.lsn;
  for (const m of frozen) if (BigInt(m.maxLsn) > lsn) lsn = BigInt(m.maxLsn);
  const gen = ctx.generation.next++;
  const newPath = path.join(dest.dir, partitionFileName(p.min, gen));
  const oldPath = path.join(source.dir, partitionFileName(p.min, old.file));
  const sourceCloud = old.onCloud ? cloudOf(ctx, source) : null;
  const destCloud = cloudOf(ctx, dest);
  const upload = destCloud !== null && (old.onCloud || kind === 'move');
  const started = nowMicros();
  const op = { kind, partition: p.min, source: source.name, destination: dest.name, bytes_done: 0, bytes_total: old.size, started };
  const end = ctx.operations.begin(op);
  const opId = ctx.manifest.insertOperation({ kind, partition: p.min, storage: dest.name, file: gen, oldFile: old.file, started, detail: source.name });
  // the old file fetched from the cloud, when it has no local copy
  const staged = old.file !== 0 && !old.onStorage ? oldPath : null;
  let putId: number | null = null;
  let record: PartitionRecord;
  let file: PartitionFile | null;
  try {
    if (staged !== null) await fetchObject(ctx, p, sourceCloud!, staged, false);
    const identity = { min: p.min, max: p.max, generation: gen, lsn };
    const result = await writeFile(ctx, p, frozen, old.file === 0 ? null : source, dest, newPath, identity);
    op.bytes_done = result.size;
    const onCloud = upload && result.events > 0;
    if (onCloud) putId = await putObject(ctx, destCloud, destCloud.key(p.min, gen), newPath, kind);
    inject(ctx, kind === 'move' ? 'error_move_after_copy' : 'error_refresh_before_switch');
    if (ctx.storages.find(dest.name) !== dest) {
      // the storage was altered or renamed meanwhile: its folder or key may differ now
      throw new StrataError('INVALID_INPUT', `${kind}: storage '${dest.name}' changed while partition ${p.min} was written to it; nothing was changed, retry`, { retryable: true });
    }
    if (putId !== null) checkSameCloud(ctx, kind, dest, destCloud!, p.min);
    record = {
      ...old,
      storage: dest.name,
      file: result.events === 0 ? 0 : gen,
      lsn,
      events: result.events,
      regions: result.regions,
      size: result.size,
      sizeUncompressed: result.sizeUncompressed,
      refreshed: nowMicros(),
      refreshes: old.refreshes + 1,
      onCloud,
      onStorage: !onCloud || !dropsLocal(dest),
    };
    file = result.events === 0 || !record.onStorage ? null : openFile(ctx, dest, newPath);
  } catch (e) {
    end();
    // an injected error stands for a crash: leave everything for open() to reconcile
    if (isInjected(e)) throw e;
    if (isStrataError(e, 'CLOUD')) p.noteCloudFailure({ kind, source: source.name, destination: dest.name }, e);
    // nothing was switched: remove what this operation made
    removeFile(newPath);
    if (staged !== null) removeFile(staged);
    if (putId !== null) await deleteObject(ctx, destCloud!, putId, destCloud!.key(p.min, gen)).catch(() => undefined);
    ctx.manifest.deleteOperation(opId);
    throw e;
  }
  let doomed: number | null = null;
  try {
    ctx.manifest.transaction(() => {
      ctx.manifest.updatePartition(record);
      ctx.manifest.deleteOperation(opId);
      ctx.manifest.setConfig('ssn', ctx.serial.value);
      if (putId !== null) ctx.manifest.removeCloudDelete(putId);
      if (sourceCloud !== null && old.file !== 0) doomed = doomObject(ctx, sourceCloud, sourceCloud.key(p.min, old.file));
    });
  } catch (e) {
    file?.close();
    removeFile(newPath);
    if (staged !== null) removeFile(staged);
    if (putId !== null) await deleteObject(ctx, destCloud!, putId, destCloud!.key(p.min, gen)).catch(() => undefined);
    ctx.manifest.deleteOperation(opId);
    end();
    throw e;
  }
  try {
    inject(ctx, kind === 'move' ? 'error_move_after_switch' : 'error_refresh_after_switch');
    // switch: the new file is live; cursors keep the old file (or object) until they leave it
    const oldFile = p.file;
    const oldRemote = p.remote;
    p.file = file;
    p.record = record;
    p.remote = remoteFor(ctx, dest, record);
    p.clearCloudFailure();
    for (const m of p.frozen.splice(0, frozen.length)) m.discard();
    oldFile?.close();
    // the old file goes off the event loop; the operation (which close() waits for)
    // ends only once it is gone
    if (old.file !== 0 && (old.onStorage || staged !== null)) await removeFileAsync(oldPath);
    if (!record.onStorage) await removeFileAsync(newPath);
    if (doomed !== null) await retireObject(ctx, oldRemote, sourceCloud!, doomed, sourceCloud!.key(p.min, old.file));
    releaseWal(ctx);
    if (destCloud !== null && !record.onCloud && record.file !== 0) ctx.scheduleUpload();
  } finally {
    end();
  }
}

/**
 * Runs the refresh job (it fsyncs the new file and its directory, in a worker when
 * `workers > 0`); the new file's footer records `identity`.
 */
function writeFile(
  ctx: EngineContext, p: PartitionState, frozen: readonly Memtable[], source: Storage | null, dest: Storage, newPath: string, identity: FileIdentity,
): Promise<RefreshResult> {
  const settings = dest.effective(ctx.config);
  const job: RefreshJob = {
    oldPath: source === null ? null : path.join(source.dir, partitionFileName(p.min, p.record.file)),
    oldKey: source === null ? null : source.effective(ctx.config).key,
    runs: frozen.map((m) => m.run()),
    newPath,
    // a refresh on the partition's own storage may start from the old file's regions
    append: source !== null && source.name === dest.name,
    writer: {
      regionSize: settings.regionSize,
      codec: settings.compression,
      level: settings.compressionLevel,
      sync: settings.sync,
      encryption: settings.encryption,
      key: settings.key,
      identity,
    },
  };
  // the job reads the memtables' slabs (from a worker, through shared memory): hold
  // them until it has ended, whatever the partition does with its memtables meanwhile
  for (const m of frozen) m.retain();
  return ctx.pool.run<RefreshResult>('refresh', job).finally(() => {
    for (const m of frozen) m.release();
  });
}

/**
 * Deletes the WAL segments that no memtable needs any more (saving `ssn` first when
 * there is one to delete).
 */
export function releaseWal(ctx: EngineContext): void {
  if (ctx.wal === null) return;
  let needed = Number(ctx.wal.lastLsn) + 1;
  for (const p of ctx.partitions.all) {
    const n = p.neededLsn;
    if (n !== 0 && n < needed) needed = n;
  }
  // most refreshes free no segment (the oldest one is still needed, or is the current
  // one): then nothing is written, not even the manifest (a synced SQLite commit)
  const names = ctx.wal.files();
  const second = names.length >= 2 ? parseWalSegmentName(names[1]!) : null;
  if (second === null || second - 1n >= BigInt(needed)) return;
  // the segments may hold the only record of serial ids handed out: save the counter first
  ctx.manifest.setConfig('ssn', ctx.serial.value);
  ctx.wal.release(BigInt(needed));
}

/** Opens a partition file of `storage` with its key and checksum setting. */
function openFile(ctx: EngineContext, storage: Storage, file: string): PartitionFile {
  const settings = storage.effective(ctx.config);
  const f = PartitionFile.open(file, settings.key);
  f.verifyCrc = settings.crc;
  return f;
}
