/**
 * `strata repair`: rebuilds a lost or damaged manifest from what is on disk, as
 * LevelDB's RepairDB does (docs/manifest.md#repair), or checks a sound one and gives
 * encrypted storages the keys a rebuild could not know.
 *
 * Steps, under the directory lock:
 * 1. judge the manifest: missing, empty, one whose creation never finished (no uuid),
 *    damaged (not a Strata manifest SQLite can read: moved aside as
 *    `manifest.db.damaged-<time>`, with its `-wal` and `-shm`), or sound;
 * 2. sound: check it (every local partition file readable) and apply `keys` to
 *    encrypted storages that have none; nothing else changes;
 * 3. otherwise plan the rebuild (repair-plan.ts) and write it in one transaction:
 *    config, storages, partitions. A crash before the commit leaves a manifest without
 *    a uuid, which open refuses and a second repair rebuilds.
 * The WAL is replayed afterwards by an open (Database.repair does it).
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Encryption, parseKey } from '../../codec/index.ts';
import { StrataError, ioError, isStrataError } from '../../errors.ts';
import { Manifest, type StorageRecord } from '../../manifest/index.ts';
import { inspectPartitionFile } from '../../partition/index.ts';
import { DirLock } from '../core/lock.ts';
import { manifestPath, partitionFileName } from '../core/paths.ts';
import { opens, planRepair } from './repair-plan.ts';
import { Storage } from '../../tiering/index.ts';

/** What {@link repairDatabase} takes. */
export interface RepairOptions {
  /** Paths of storages kept outside the database directory (their `path` option). */
  readonly storagePaths?: readonly string[];
  /** Keys of encrypted storages, by storage name or uuid: 64 hex digits each. */
  readonly keys?: Readonly<Record<string, string>>;
}

/** What a repair found and did. Field names are stable. */
export interface RepairReport {
  /**
   * The manifest as repair found it: `sound` (kept), `missing`, `empty` (no bytes, or
   * its creation never finished), or `damaged` (moved aside, see `notes`).
   */
  readonly manifest: 'sound' | 'missing' | 'empty' | 'damaged';
  /** Whether the repair wrote anything (a rebuilt manifest, or a storage's key). */
  changed: boolean;
  /** Storages of the manifest now: name, uuid, path, partitions. */
  readonly storages: { name: string; uuid: string; path: string; partitions: number }[];
  /** Partitions recorded (rebuild) or checked (sound). */
  readonly partitions: number;
  /** Lines: what was found and kept. */
  readonly kept: string[];
  /** Lines: what was not recorded or cannot be read, and why; such files stay in place. */
  readonly skipped: string[];
  /** Lines: what the operator should know and may do next. */
  readonly notes: string[];
  /** The WAL replay of the open that followed the rebuild (as `openReport.wal`), or null. */
  wal: { segments: number; records: number; events: number; skipped: number } | null;
}

/**
 * Rebuilds or checks the manifest of `dir` (see the module comment); does not replay
 * the WAL.
 * @throws StrataError `NOT_FOUND` when `dir` does not exist; `LOCKED` when a process
 *   has it open; `NOT_SUPPORTED` for a manifest of a newer Strata; `INVALID_INPUT` for
 *   a key that is not 64 hex digits; `IO`.
 */
export function repairDatabase(dir: string, options: RepairOptions = {}): RepairReport {
  if (!fs.existsSync(dir)) throw new StrataError('NOT_FOUND', `repair: ${dir} does not exist`);
  const keys = options.keys ?? {};
  for (const [name, key] of Object.entries(keys)) parseKey(key, `repair: key of storage ${name}`);
  const lock = DirLock.acquire(dir, 'repair');
  try {
    const file = manifestPath(dir);
    const state = judge(file);
    if (state.kind === 'sound') return check(dir, state.manifest, keys);
    const notes: string[] = [];
    if (state.kind === 'damaged') notes.push(`${file} was damaged (${state.error}): moved aside as ${moveAside(file, 'damaged')}`);
    if (state.kind === 'unfinished') notes.push(`${file} holds no database (its creation never finished): moved aside as ${moveAside(file, 'unfinished')}`);
    const plan = planRepair(dir, options.storagePaths ?? [], keys);
    const report: RepairReport = {
      manifest: state.kind === 'unfinished' ? 'empty' : state.kind,
      changed: false,
      storages: plan.storages.map((s) => ({ name: s.name, uuid: s.uuid, path: s.path, partitions: plan.partitions.filter((p) => p.storage === s.name).length })),
      partitions: plan.partitions.length,
      kept: plan.kept,
      skipped: plan.skipped,
      notes: [...notes, ...plan.notes],
      wal: null,
    };
    const m = Manifest.open(file);
    try {
      m.transaction(() => {
        m.setConfigMany(plan.config);
        for (const s of plan.storages) m.insertStorage(s);
        for (const p of plan.partitions) m.insertPartition(p);
      });
    } finally {
      m.close();
    }
    report.changed = true;
    report.notes.push('tombstones of dropped partitions were in the manifest: WAL records of partitions dropped since the oldest WAL segment come back; the pipeline, the clouds and the settings but interval and ssn have their defaults');
    return report;
  } finally {
    lock.release();
  }
}

type Judged = { kind: 'missing' | 'empty' | 'unfinished' } | { kind: 'damaged'; error: string } | { kind: 'sound'; manifest: Manifest };

/** Judges the manifest file; a sound one is returned open. */
function judge(file: string): Judged {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw ioError('repair', file, e);
  }
  if (size === 0) return { kind: 'empty' };
  let m: Manifest;
  try {
    m = Manifest.open(file);
  } catch (e) {
    if (isStrataError(e, 'CORRUPTION')) return { kind: 'damaged', error: e.message };
    throw e;
  }
  if (!m.getConfig().has('uuid')) {
    // its creation never finished (a first open or a repair that stopped)
    m.close();
    return { kind: 'unfinished' };
  }
  return { kind: 'sound', manifest: m };
}

/** Renames the manifest (and its -wal, -shm) aside; returns the new name. */
function moveAside(file: string, why: string): string {
  const aside = `${file}.${why}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      fs.renameSync(file + suffix, aside + suffix);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('repair: move the damaged manifest aside', file + suffix, e);
    }
  }
  return path.basename(aside);
}

/** A sound manifest: check every local file, give encrypted storages their keys. */
function check(dir: string, m: Manifest, keys: Readonly<Record<string, string>>): RepairReport {
  try {
    const storages = m.listStorages();
    const partitions = m.listPartitions();
    const report: RepairReport = {
      manifest: 'sound',
      changed: false,
      storages: storages.map((s) => ({ name: s.name, uuid: s.uuid, path: s.path, partitions: partitions.filter((p) => p.storage === s.name).length })),
      partitions: partitions.length,
      kept: [`the manifest is sound: ${storages.length} storage(s), ${partitions.length} partition(s); nothing was rebuilt`],
      skipped: [],
      notes: [],
      wal: null,
    };
    const root = path.resolve(dir);
    for (const [name, key] of Object.entries(keys)) {
      const s = storages.find((x) => x.name === name || x.uuid === name);
      if (s === undefined) {
        report.notes.push(`no storage '${name}': its key was ignored`);
      } else if (s.options.encryption !== 'aes') {
        report.notes.push(`storage ${s.name} is not encrypted: its key was ignored`);
      } else if (typeof s.options.encryption_key === 'string') {
        if (s.options.encryption_key !== key.toLowerCase()) report.notes.push(`storage ${s.name} already has a key, another one: the key given was ignored`);
      } else {
        const folder = new Storage(s, root).dir;
        const sample = partitions.find((p) => p.storage === s.name && p.file !== 0 && p.onStorage);
        if (sample !== undefined && !opens(path.join(folder, partitionFileName(sample.min, sample.file)), parseKey(key, 'repair'))) {
          report.notes.push(`storage ${s.name}: the key given does not open its encrypted files (wrong key); nothing was changed`);
          continue;
        }
        const next: StorageRecord = { ...s, options: { ...s.options, encryption_key: key.toLowerCase() } };
        m.updateStorage(s.name, next);
        report.changed = true;
        report.notes.push(`storage ${s.name}: it has its key again`);
      }
    }
    // every local file: its footer, and its index when it can be read
    for (const p of partitions) {
      if (p.file === 0 || !p.onStorage) continue;
      const s = m.getStorage(p.storage)!;
      const file = path.join(new Storage(s, root).dir, partitionFileName(p.min, p.file));
      try {
        const d = inspectPartitionFile(file);
        const key = typeof s.options.encryption_key === 'string' ? parseKey(s.options.encryption_key, 'repair') : null;
        if (d.encryption === Encryption.aes && key === null) report.skipped.push(`partition ${p.min} on ${s.name}: encrypted, and the storage has no key: repair with --key ${s.name}=<64 hex digits>`);
        else if (d.encryption === Encryption.aes && !opens(file, key!)) report.skipped.push(`partition ${p.min} on ${s.name}: the storage's key does not open ${file}`);
      } catch (e) {
        if (!isStrataError(e, 'CORRUPTION') && !isStrataError(e, 'IO')) throw e;
        report.skipped.push(`partition ${p.min} on ${s.name}: ${e.message}`);
      }
    }
    return report;
  } finally {
    m.close();
  }
}
