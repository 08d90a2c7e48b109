/**
 * Refresh and move: merge a partition's memtables with its file into a new file (on
 * its own storage, or on another one for a move), and swap.
 *
 * Protocol (docs/manifest.md), one function per step below:
 *
 * 1. freeze the memtable: a fresh one takes writes ({@link beginRewrite});
 * 2. record the operation in the manifest, so that open() can roll it back;
 * 3. write the new file: the refresh job, in a worker thread when `workers > 0`
 *    ({@link writeNew}; a file only on the cloud is fetched first), and, when it goes
 *    to a cloud, put and verify its object (its key recorded in `cloud_deletes` first);
 * 4. fsync the new file and its directory (the job does);
 * 5. the switch: in ONE manifest transaction point the partition at the new file (and
 *    storage, and copies) and drop the operation row ({@link commitSwitch});
 * 6. swap the file and the memtables in memory ({@link swapInMemory});
 * 7. delete the old file, and the replaced object once no cursor reads it
 *    ({@link removeOld});
 * 8. release the WAL segments no memtable needs (wal-release.ts).
 *
 * A failure before the switch removes what the rewrite made ({@link abandon}); a crash
 * at any step leaves either the old or the new file live, and open() removes the
 * other. Error-injection points (inject.ts) stop an operation before and after step 5
 * for the crash tests.
 *
 * @module
 */
import * as path from 'node:path';
import type { PartitionRecord } from '../../manifest/index.ts';
import { type FileIdentity, type Memtable, PartitionFile, type RefreshJob, type RefreshResult } from '../../partition/index.ts';
import { isStrataError, StrataError } from '../../errors.ts';
import { type EngineContext, nowMicros } from '../core/context.ts';
import { inject, isInjected } from '../core/inject.ts';
import type { Storage } from '../../tiering/index.ts';
import { removeFile, removeFileAsync } from '../core/fs-util.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { partitionFileName } from '../core/paths.ts';
import { exclusive } from '../core/exclusive.ts';
import type { OperationInfo } from '../core/operations.ts';
import type { StorageCloud } from '../cloud/cloud-link.ts';
import { checkSameCloud, cloudOf, deleteObject, doomObject, dropsLocal, fetchObject, listingChanged, putObject, remoteFor, retireObject } from '../cloud/cloud-objects.ts';
import type { RemoteObject } from '../cloud/remote-object.ts';
import { releaseWal } from './wal-release.ts';

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
 * Rewrites `p`'s local file in its storage's format when it is in another one (the
 * storage's `format` changed since the file was written), merging its memtables too;
 * nothing happens when the file is in that format already, or only on the cloud.
 */
export async function refreshFormat(ctx: EngineContext, p: PartitionState): Promise<void> {
  // the usual case, checked before queueing behind the partition's other operations
  if (p.file === null || p.file.format === ctx.storages.get('refresh', p.record.storage).effective(ctx.config).format) return;
  await exclusive(ctx, p, () => {
    const storage = ctx.storages.get('refresh', p.record.storage);
    if (p.dropped || p.file === null || p.file.format === storage.effective(ctx.config).format) return Promise.resolve();
    return rewrite(ctx, p, storage, 'refresh');
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
 * cloud and the partition is on the cloud (or is moving), the new file is uploaded and
 * verified before the switch, and the local copy kept only when `dest` keeps local
 * files; a partition whose file is only on the cloud is first fetched into its
 * storage's folder.
 */
async function rewrite(ctx: EngineContext, p: PartitionState, dest: Storage, kind: 'refresh' | 'move'): Promise<void> {
  const w = beginRewrite(ctx, p, dest, kind);
  try {
    let made: NewFile | null = null;
    let doomed: number | null;
    try {
      made = await writeNew(ctx, w);
      doomed = commitSwitch(ctx, w, made.record);
    } catch (e) {
      ctx.operations.failed(w.op);
      await abandon(ctx, w, made?.file ?? null, e);
      throw e;
    }
    inject(ctx, kind === 'move' ? 'error_move_after_switch' : 'error_refresh_after_switch');
    const oldRemote = swapInMemory(ctx, w, made);
    if (made.record.onCloud) ctx.listings.noteFormat(ctx, w.dest, w.destCloud!.key(w.p.min, made.record.file), w.dest.effective(ctx.config).format);
    if (w.sourceCloud !== null && w.source !== w.dest) await listingChanged(ctx, w.source, w.sourceCloud);
    if (w.destCloud !== null && (made.record.onCloud || w.sourceCloud !== null)) await listingChanged(ctx, w.dest, w.destCloud);
    await removeOld(ctx, w, made.record, oldRemote, doomed);
    releaseWal(ctx);
    if (w.destCloud !== null && !made.record.onCloud && made.record.file !== 0) ctx.scheduleUpload();
  } finally {
    w.end();
  }
}

/** A rewrite in progress: what its steps share. */
interface Rewrite {
  readonly kind: 'refresh' | 'move';
  readonly p: PartitionState;
  readonly source: Storage;
  readonly dest: Storage;
  /** The partition's record when the rewrite began. */
  readonly old: PartitionRecord;
  /** The memtables frozen for this rewrite, oldest first. */
  readonly frozen: readonly Memtable[];
  /** The new file's generation, and the highest WAL lsn it holds (its footer and the manifest record it). */
  readonly gen: number;
  readonly lsn: bigint;
  readonly newPath: string;
  readonly oldPath: string;
  /** The cloud of the old file when it is on the cloud, and the destination's cloud. */
  readonly sourceCloud: StorageCloud | null;
  readonly destCloud: StorageCloud | null;
  /** Whether the new file goes to the destination's cloud (if it holds events). */
  readonly upload: boolean;
  /** Where the old file is fetched to when it is only on the cloud, else null. */
  readonly staged: string | null;
  /** The entry of `SHOW OPERATIONS`, and the manifest's operation row. */
  readonly op: OperationInfo;
  readonly opId: number;
  /** Ends the entry of `SHOW OPERATIONS`. */
  readonly end: () => void;
  /** The `cloud_deletes` row of the new object once it is put (the switch removes it). */
  putId: number | null;
}

/** The new file as the switch records it, and its open handle (null: not kept locally, or empty). */
interface NewFile {
  readonly record: PartitionRecord;
  readonly file: PartitionFile | null;
}

/**
 * Steps 1 and 2: freezes `p`'s memtable, names the new file, and records the operation
 * (in `SHOW OPERATIONS`, and in the manifest for open() to roll back).
 */
function beginRewrite(ctx: EngineContext, p: PartitionState, dest: Storage, kind: 'refresh' | 'move'): Rewrite {
  // 1. freeze: a fresh memtable takes writes from here on
  p.freeze();
  const frozen = p.frozen.slice();
  const source = ctx.storages.get(kind, p.record.storage);
  const old = p.record;
  let lsn = old.lsn;
  for (const m of frozen) if (BigInt(m.maxLsn) > lsn) lsn = BigInt(m.maxLsn);
  const gen = ctx.generation.next++;
  const oldPath = path.join(source.dir, partitionFileName(p.min, old.file));
  const sourceCloud = old.onCloud ? cloudOf(ctx, source) : null;
  const destCloud = cloudOf(ctx, dest);
  // 2. record the operation
  const started = nowMicros();
  const op = { kind, partition: p.min, source: source.name, destination: dest.name, bytes_done: 0, bytes_total: old.size, started };
  const end = ctx.operations.begin(op);
  let opId: number;
  try {
    opId = ctx.manifest.insertOperation({ kind, partition: p.min, storage: dest.name, file: gen, oldFile: old.file, started, detail: source.name });
  } catch (e) {
    ctx.operations.failed(op);
    end();
    throw e;
  }
  return {
    kind,
    p,
    source,
    dest,
    old,
    frozen,
    gen,
    lsn,
    newPath: path.join(dest.dir, partitionFileName(p.min, gen)),
    oldPath,
    sourceCloud,
    destCloud,
    upload: destCloud !== null && (old.onCloud || kind === 'move'),
    staged: old.file !== 0 && !old.onStorage ? oldPath : null,
    op,
    opId,
    end,
    putId: null,
  };
}

/**
 * Steps 3 and 4: writes the new file (fetching the old one first when it is only on the
 * cloud), puts it on the destination's cloud when it goes there, and checks that the
 * destination is still the storage (and cloud) it was written for.
 * @throws what the fetch, the job or the put throw; `INVALID_INPUT` (retryable) when
 *   the destination changed meanwhile.
 */
async function writeNew(ctx: EngineContext, w: Rewrite): Promise<NewFile> {
  const { p, kind, dest, old } = w;
  if (w.staged !== null) await fetchObject(ctx, p, w.sourceCloud!, w.staged, false);
  const identity = { min: p.min, max: p.max, generation: w.gen, lsn: w.lsn };
  const result = await writeFile(ctx, p, w.frozen, old.file === 0 ? null : w.source, dest, w.newPath, identity);
  w.op.bytes_done = result.size;
  const onCloud = w.upload && result.events > 0;
  if (onCloud) w.putId = await putObject(ctx, w.destCloud!, w.destCloud!.key(p.min, w.gen), w.newPath, kind);
  inject(ctx, kind === 'move' ? 'error_move_after_copy' : 'error_refresh_before_switch');
  if (ctx.storages.find(dest.name) !== dest) {
    // the storage was altered or renamed meanwhile: its folder or key may differ now
    throw new StrataError('INVALID_INPUT', `${kind}: storage '${dest.name}' changed while partition ${p.min} was written to it; nothing was changed, retry`, { retryable: true });
  }
  if (w.putId !== null) checkSameCloud(ctx, kind, dest, w.destCloud!, p.min);
  const record: PartitionRecord = {
    ...old,
    storage: dest.name,
    file: result.events === 0 ? 0 : w.gen,
    lsn: w.lsn,
    events: result.events,
    regions: result.regions,
    size: result.size,
    sizeUncompressed: result.sizeUncompressed,
    refreshed: nowMicros(),
    refreshes: old.refreshes + 1,
    onCloud,
    onStorage: !onCloud || !dropsLocal(dest),
  };
  return { record, file: result.events === 0 || !record.onStorage ? null : openFile(ctx, dest, w.newPath) };
}

/**
 * Step 5, the switch: ONE manifest transaction points the partition at `record`, drops
 * the operation row, stores `ssn`, forgets the new object's `cloud_deletes` row and
 * records the replaced object's. Returns that row's id (null: no object replaced).
 */
function commitSwitch(ctx: EngineContext, w: Rewrite, record: PartitionRecord): number | null {
  let doomed: number | null = null;
  ctx.manifest.transaction(() => {
    ctx.manifest.updatePartition(record);
    ctx.manifest.deleteOperation(w.opId);
    ctx.manifest.setConfig('ssn', ctx.serial.value);
    if (w.putId !== null) ctx.manifest.removeCloudDelete(w.putId);
    if (w.sourceCloud !== null && w.old.file !== 0) doomed = doomObject(ctx, w.sourceCloud, w.sourceCloud.key(w.p.min, w.old.file));
  });
  return doomed;
}

/**
 * A failure before or in the switch: nothing was switched, so what the rewrite made goes
 * (the open new file, the new file, the fetched copy, the put object, the operation
 * row); the frozen memtables stay, readable, and the next refresh merges them. A cloud
 * failure is noted on the partition (`SHOW PARTITIONS`, background backoff). An injected
 * error stands for a crash: everything is left for open() to reconcile.
 */
async function abandon(ctx: EngineContext, w: Rewrite, file: PartitionFile | null, e: unknown): Promise<void> {
  if (isInjected(e)) return;
  if (isStrataError(e, 'CLOUD')) w.p.noteCloudFailure({ kind: w.kind, source: w.source.name, destination: w.dest.name }, e);
  file?.close();
  removeFile(w.newPath);
  if (w.staged !== null) removeFile(w.staged);
  if (w.putId !== null) await deleteObject(ctx, w.destCloud!, w.putId, w.destCloud!.key(w.p.min, w.gen)).catch(() => undefined);
  ctx.manifest.deleteOperation(w.opId);
}

/**
 * Step 6: the new file is live in memory too; the frozen memtables it holds go. Cursors
 * keep the old file (or object) until they leave it. Returns the old object, if any.
 */
function swapInMemory(ctx: EngineContext, w: Rewrite, made: NewFile): RemoteObject | null {
  const { p } = w;
  const oldFile = p.file;
  const oldRemote = p.remote;
  p.file = made.file;
  p.record = made.record;
  p.remote = remoteFor(ctx, w.dest, made.record);
  p.clearCloudFailure();
  for (const m of p.frozen.splice(0, w.frozen.length)) m.discard();
  oldFile?.close();
  return oldRemote;
}

/**
 * Step 7: the old file goes, off the event loop (the operation, which close() waits
 * for, ends only once it is gone), and so does the new local file when the destination
 * keeps only the object; the replaced object (`cloud_deletes` row `doomed`) is deleted
 * once no cursor reads `oldRemote`.
 */
async function removeOld(ctx: EngineContext, w: Rewrite, record: PartitionRecord, oldRemote: RemoteObject | null, doomed: number | null): Promise<void> {
  const { old } = w;
  if (old.file !== 0 && (old.onStorage || w.staged !== null)) await removeFileAsync(w.oldPath);
  if (!record.onStorage) await removeFileAsync(w.newPath);
  if (doomed !== null) await retireObject(ctx, oldRemote, w.sourceCloud!, doomed, w.sourceCloud!.key(w.p.min, old.file));
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
      format: settings.format,
    },
  };
  // the job reads the memtables' slabs (from a worker, through shared memory): hold
  // them until it has ended, whatever the partition does with its memtables meanwhile
  for (const m of frozen) m.retain();
  return ctx.pool.run<RefreshResult>('refresh', job).finally(() => {
    for (const m of frozen) m.release();
  });
}

/** Opens a partition file of `storage` with its key and checksum setting. */
function openFile(ctx: EngineContext, storage: Storage, file: string): PartitionFile {
  const settings = storage.effective(ctx.config);
  const f = PartitionFile.open(file, settings.key);
  f.verifyCrc = settings.crc;
  return f;
}
