/**
 * Opening a database (`Strata.open`), step by step. Each step is a function below;
 * the order is the protocol (docs/engine/recovery.md):
 *
 *  1. check the caller's settings: bad settings change nothing;
 *  2. create the directory private to the user (or make it so), take the directory
 *     lock, refuse a lost manifest (data on disk but no manifest: `CORRUPTION`);
 *  3. open the manifest and settle the settings: stored ones, then the caller's;
 *  4. assemble the engine's state: storages (their folders made), worker pool, clouds,
 *     pipeline, memory;
 *  5. recover (recovery.ts): roll back or finish interrupted operations and remove
 *     orphan files, load the partitions, delete the objects `cloud_deletes` lists;
 *  6. replay the WAL and begin a new segment after every lsn seen; prune the tombstones
 *     older than the WAL;
 *  7. start the background service (with `workers` > 0);
 *  8. with the WAL off: checkpoint what was replayed, then remove the log;
 *  9. after a `skip` recovery that dropped damage: checkpoint, so that the damaged
 *     segments are released;
 * 10. store the settings: only an open that succeeded changes them.
 *
 * A failure at any step undoes what the steps before it hold open (the service, the
 * cloud clients, the pool, the manifest, the lock) and is rethrown.
 *
 * @module
 */
import { LiveListings } from '../cloud/live-listing.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StrataError, ioError } from '../../errors.ts';
import { Manifest } from '../../manifest/index.ts';
import { Arena, partitionJobs } from '../../partition/index.ts';
import { StorageRegistry, loadPipeline } from '../../tiering/index.ts';
import { Wal } from '../../wal/index.ts';
import { WorkerPool } from '../../workers/index.ts';
import { CloudLinks } from '../cloud/cloud-link.ts';
import { CloudRegistry } from '../cloud/cloud-registry.ts';
import { FailedDeletes } from '../cloud/cloud-deletes.ts';
import { type Config, type OpenConfig, applySettings, defaultConfig, isPersistent, settingScope } from '../core/config.ts';
import type { EngineContext } from '../core/context.ts';
import { syncDir } from '../core/fs-util.ts';
import { DirLock } from '../core/lock.ts';
import { OperationRegistry } from '../core/operations.ts';
import { Observers } from '../core/observers.ts';
import { PartitionMap } from '../core/partition-map.ts';
import { manifestPath, reservedPlaces, walDir } from '../core/paths.ts';
import { Rollover } from '../core/rollover.ts';
import { SerialCounter } from '../core/serial.ts';
import { checkpointAll } from './checkpoint.ts';
import { refuseLostManifest } from './disk-scan.ts';
import { type OpenReport, keptDamage, loadPartitions, reconcile, reconcileClouds, replayWal } from './recovery.ts';
import { BackgroundService } from './service.ts';

/** What an open assembled; the database owns it from then on. */
export interface OpenedEngine {
  readonly ctx: EngineContext;
  readonly lock: DirLock;
  /** What open found and did. */
  readonly report: OpenReport;
  /** The background service, started (idle with `workers 0`). */
  readonly service: BackgroundService;
}

/** The settings of this open, and what the manifest must store once it has succeeded. */
interface Settled {
  readonly config: Config;
  /** Whether the database is new: every setting is stored then. */
  readonly created: boolean;
  /** The settings the caller gave: stored when the database is not new. */
  readonly changed: readonly string[];
}

/**
 * Opens (creating if needed) the database in `dir` with the caller's settings `given`;
 * see the module comment for the steps.
 * @throws StrataError `LOCKED`, `INVALID_INPUT`/`NOT_FOUND` (bad settings), `CORRUPTION`
 *   (a lost manifest, WAL damage that valid records follow), `IO`, `CLOUD` never (a cloud
 *   that cannot be reached is reported and retried later).
 */
export async function openEngine(dir: string, given: OpenConfig): Promise<OpenedEngine> {
  const overrides = (given ?? {}) as Record<string, unknown>;
  // 1. bad settings change nothing: check them before anything is created
  applySettings('open', defaultConfig(), overrides);
  // 2.
  const lock = lockDirectory(dir);
  const links = new CloudLinks();
  let manifest: Manifest | undefined;
  let pool: WorkerPool | undefined;
  let service: BackgroundService | undefined;
  try {
    // 3.
    manifest = Manifest.open(manifestPath(dir));
    const settled = settleSettings(dir, manifest, overrides);
    // 4.
    const storages = new StorageRegistry(manifest, path.resolve(dir), reservedPlaces(path.resolve(dir)));
    pool = new WorkerPool({ size: settled.config.workers, module: partitionJobs });
    const ctx = assembleContext(dir, settled.config, manifest, storages, pool, links);
    // 5.
    const report: OpenReport = { rolledBack: [], completed: [], orphansRemoved: [], damaged: [], cloud: [], wal: null };
    reconcile(ctx, report);
    loadPartitions(ctx, report);
    await reconcileClouds(ctx, report);
    // 6.
    const wal = replayAndBeginWal(ctx, report);
    pruneTombstones(ctx, wal);
    // 7. (before the checkpoints of 8 and 9, which its timer may join)
    service = startService(ctx);
    // 8.
    if (!ctx.config.wal) await removeWal(ctx, wal);
    // 9.
    if (ctx.config.wal_recovery === 'skip' && report.wal!.dropped.length > 0) await releaseSkippedDamage(ctx, wal, report);
    // 10.
    storeSettings(manifest, settled);
    return { ctx, lock, report, service };
  } catch (e) {
    await service?.stop();
    links.close();
    await pool?.close();
    manifest?.close();
    lock.release();
    throw e;
  }
}

/**
 * Step 2: creates the directory private to the user, takes its lock, and refuses a
 * lost manifest (the lock is given back then).
 * @throws StrataError `IO`, `LOCKED`, `CORRUPTION`.
 */
function lockDirectory(dir: string): DirLock {
  makePrivateDir(dir);
  const lock = DirLock.acquire(dir, 'open');
  try {
    refuseLostManifest(dir);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}

/**
 * Creates the database directory (and missing parents) with mode 0700, or makes an
 * existing one 0700: everything Strata keeps in it is private to its user.
 * @throws StrataError `IO` naming the directory.
 */
function makePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  } catch (e) {
    throw ioError('open', dir, e);
  }
}

/**
 * Step 3: the settings of this open: the defaults, then what `manifest` stores, then
 * `overrides`. A setting chosen at creation cannot change afterwards.
 * @throws StrataError `INVALID_INPUT`; `CORRUPTION` when a manifest that was never
 *   fully created (no uuid) lies over data.
 */
function settleSettings(dir: string, manifest: Manifest, overrides: Readonly<Record<string, unknown>>): Settled {
  const config = defaultConfig();
  const stored = manifest.getConfig();
  // a manifest without a uuid was never fully created (a first open that failed):
  // it may be new only where there is no data
  const created = !stored.has('uuid');
  if (created) refuseLostManifest(dir, true);
  applySettings('open', config, Object.fromEntries(stored));
  const before = { ...config };
  const changed = applySettings('open', config, overrides);
  for (const name of changed) {
    const key = name as keyof Config;
    if (!created && settingScope(key) === 'create' && config[key] !== before[key]) {
      throw new StrataError('INVALID_INPUT', `open: ${name} is chosen when the database is created and cannot change (it is ${String(before[key])})`);
    }
  }
  return { config, created, changed };
}

/** Step 4: the shared state of the engine, with no partition loaded and no WAL yet. */
function assembleContext(dir: string, config: Config, manifest: Manifest, storages: StorageRegistry, pool: WorkerPool, links: CloudLinks): EngineContext {
  const serial = new SerialCounter();
  serial.value = config.ssn;
  const observers = new Observers();
  return {
    dir,
    config,
    manifest,
    wal: null,
    partitions: new PartitionMap(),
    arena: new Arena({ slabSize: config.mm_slab_size, cacheLimit: () => config.mm_cache }),
    pool,
    storages,
    clouds: new CloudRegistry(manifest),
    links,
    pipeline: loadPipeline(manifest),
    serial,
    memory: { bytes: 0 },
    rollover: new Rollover(),
    operations: new OperationRegistry(observers),
    observers,
    inflight: new Set(),
    generation: { next: 1 },
    deletions: new Map(),
    failedDeletes: new FailedDeletes(),
    listings: new LiveListings(),
    scheduleRefresh: () => undefined, // set once the service exists
    scheduleRebalance: () => undefined,
    scheduleUpload: () => undefined,
  };
}

/**
 * Step 6: replays the WAL into memtables and begins a new segment after the highest
 * lsn seen in the WAL, in the partitions' files and in the tombstones.
 * @throws StrataError `CORRUPTION` for damage that valid records follow (mode `tail`).
 */
function replayAndBeginWal(ctx: EngineContext, report: OpenReport): Wal {
  const settings = ctx.config;
  const wal = Wal.open({
    dir: walDir(ctx.dir),
    rotateWm: settings.wal_rotate_wm,
    syncOnWrite: settings.wal_sync_on_write,
    syncOnRotate: settings.wal_sync_on_rotate,
    crc: settings.wal_crc,
    onSync: (seconds) => {
      if (ctx.observers.active) ctx.observers.emit({ type: 'wal_sync', seconds });
    },
  });
  let lastLsn = replayWal(ctx, wal, report);
  for (const p of ctx.partitions.all) if (p.record.lsn > lastLsn) lastLsn = p.record.lsn;
  // new records must sort after every tombstone, even one above a lost unsynced record
  for (const d of ctx.manifest.listDropped()) if (d.lsn - 1n > lastLsn) lastLsn = d.lsn - 1n;
  wal.begin(lastLsn);
  ctx.wal = wal;
  return wal;
}

/**
 * Step 6, end: deletes the tombstones older than every WAL record, which have nothing
 * left to hide. Only here, at open: once the deletions of older segments are durable
 * (else a crash could bring back a segment without its tombstone).
 */
function pruneTombstones(ctx: EngineContext, wal: Wal): void {
  syncDir(walDir(ctx.dir));
  ctx.manifest.pruneDropped(wal.stats().firstLsn + 1n);
}

/** Step 7: the background service, and the engine's requests wired to it. */
function startService(ctx: EngineContext): BackgroundService {
  const service = new BackgroundService(ctx);
  ctx.scheduleRefresh = (p) => service.refresh(p);
  ctx.scheduleRebalance = () => service.rebalance();
  ctx.scheduleUpload = () => service.upload();
  return service;
}

/**
 * Step 8, with the WAL off: the replayed events go into partition files, then the log
 * goes, so that no segment can replay into a later drop. A damaged partition's replayed
 * events could not be refreshed: the log stays for them.
 */
async function removeWal(ctx: EngineContext, wal: Wal): Promise<void> {
  await checkpointAll(ctx);
  await wal.close();
  ctx.wal = null;
  if (!ctx.partitions.all.some((p) => p.eventsInMemory > 0)) fs.rmSync(walDir(ctx.dir), { recursive: true, force: true });
}

/**
 * Step 9, after a `skip` replay that dropped damage: the damage leaves the disk with
 * the segments once their events are in partition files (a damaged partition cannot be
 * refreshed: its segments stay, and `report.wal.kept` names them).
 */
async function releaseSkippedDamage(ctx: EngineContext, wal: Wal, report: OpenReport): Promise<void> {
  const dir = walDir(ctx.dir);
  if (ctx.config.wal) {
    await checkpointAll(ctx);
    syncDir(dir);
  }
  report.wal!.kept = keptDamage(report.wal!, fs.existsSync(dir) ? wal.files() : []);
}

/** Step 10: stores the settings (all of them in a new database, else those the caller gave). */
function storeSettings(manifest: Manifest, settled: Settled): void {
  const persist = (settled.created ? Object.keys(settled.config) : settled.changed).filter(isPersistent);
  manifest.setConfigMany(persist.map((k) => [k, settled.config[k as keyof Config]]));
}
