/**
 * The storages of a database, loaded from the manifest, and the rules of
 * `CREATE / ALTER / DROP STORAGE`: `main` always exists and cannot be dropped; a
 * storage is dropped only when it holds no partitions and is not in the pipeline;
 * `path` and `encryption` change only while it is empty, and `path` leads only where
 * storage-path.ts allows; `RENAME TO` keeps the rest.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { StrataError, ioError } from '../errors.ts';
import type { Manifest, StorageRecord } from '../manifest/index.ts';
import { Storage, type StorageOption, mergeOptions } from './storage.ts';
import { type ReservedPlace, checkStoragePath } from './storage-path.ts';
import { removeDescriptor, writeDescriptor } from './storage-descriptor.ts';

/** The name of the storage that always exists: the database directory itself. */
export const MAIN = 'main';

/** Named storages. */
export class StorageRegistry {
  private readonly map = new Map<string, Storage>();

  /**
   * Loads the storages of `manifest`, creating `main` in a new database. `dbDir` is the
   * database directory (absolute); `reserved` are the places in it that no storage's
   * path may lead into (the WAL folder, the manifest, the lock file: storage-path.ts).
   */
  constructor(private readonly manifest: Manifest, private readonly dbDir: string, private readonly reserved: readonly ReservedPlace[]) {
    for (const r of manifest.listStorages()) this.map.set(r.name, new Storage(r, dbDir));
    if (!this.map.has(MAIN)) {
      const r: StorageRecord = { name: MAIN, uuid: randomUUID(), path: '', options: {}, created: Date.now() * 1000 };
      manifest.insertStorage(r);
      this.map.set(MAIN, new Storage(r, dbDir));
    }
    for (const s of this.map.values()) {
      makeDir('open', s);
      writeDescriptor(s);
    }
  }

  /** The main storage. */
  get main(): Storage {
    return this.map.get(MAIN)!;
  }

  /** Every storage, by name. */
  all(): Storage[] {
    return [...this.map.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The storage `name`, or undefined. */
  find(name: string): Storage | undefined {
    return this.map.get(name);
  }

  /** The storage `name`. @throws StrataError `NOT_FOUND` naming `op`. */
  get(op: string, name: string): Storage {
    const s = this.map.get(name);
    if (s === undefined) throw new StrataError('NOT_FOUND', `${op}: no storage '${name}'; SHOW STORAGES lists them`);
    return s;
  }

  /** CREATE STORAGE: returns false when it exists and `ifNotExists`. */
  create(op: string, name: string, list: readonly StorageOption[], ifNotExists: boolean): boolean {
    if (this.map.has(name)) {
      if (ifNotExists) return false;
      throw new StrataError('ALREADY_EXISTS', `${op}: storage '${name}' already exists`);
    }
    const options = mergeOptions(op, {}, list, true, true);
    const { uuid, path, ...rest } = options;
    if (path !== undefined) checkStoragePath(op, path as string, this.dbDir, this.reserved, [...this.map.values()]);
    const r: StorageRecord = { name, uuid: (uuid as string | undefined) ?? randomUUID(), path: (path as string | undefined) ?? '', options: rest, created: Date.now() * 1000 };
    const s = new Storage(r, this.dbDir);
    if ([...this.map.values()].some((o) => o.dir === s.dir)) throw new StrataError('ALREADY_EXISTS', `${op}: another storage already uses ${s.dir}`);
    // the record first (it refuses a taken uuid), then the folder: a failure leaves nothing
    this.manifest.insertStorage(r);
    try {
      makeDir(op, s);
      writeDescriptor(s);
    } catch (e) {
      this.manifest.deleteStorage(name);
      throw e;
    }
    this.map.set(name, s);
    return true;
  }

  /** ALTER STORAGE ... SET: `empty` says whether it holds partitions. */
  alter(op: string, s: Storage, list: readonly StorageOption[], empty: boolean): void {
    const current = { ...s.record.options, path: s.record.path };
    const { path, ...rest } = mergeOptions(op, current, list, empty, false);
    const r: StorageRecord = { ...s.record, path: (path as string | undefined) ?? '', options: rest };
    // a path given again unchanged is not checked again: it may stay where it is
    if (r.path !== s.record.path) checkStoragePath(op, r.path, this.dbDir, this.reserved, [...this.map.values()]);
    const next = new Storage(r, this.dbDir);
    makeDir(op, next);
    this.manifest.updateStorage(s.name, r);
    this.map.set(s.name, next);
    if (next.dir !== s.dir) {
      removeDescriptor(s);
      removeEmptyDir(s.dir);
    }
    writeDescriptor(next);
  }

  /** ALTER STORAGE ... RENAME TO. */
  rename(op: string, s: Storage, to: string): void {
    if (this.map.has(to)) throw new StrataError('ALREADY_EXISTS', `${op}: storage '${to}' already exists`);
    if (s.name === MAIN) throw new StrataError('INVALID_INPUT', `${op}: main cannot be renamed`);
    const r: StorageRecord = { ...s.record, name: to };
    this.manifest.updateStorage(s.name, r);
    this.map.delete(s.name);
    const renamed = new Storage(r, this.dbDir);
    this.map.set(to, renamed);
    writeDescriptor(renamed);
  }

  /** Points the storages that use cloud `from` at `to` (the cloud was renamed). Call inside its transaction. */
  renameCloud(from: string, to: string): void {
    for (const s of [...this.map.values()]) {
      if (s.record.options.cloud !== from) continue;
      const r: StorageRecord = { ...s.record, options: { ...s.record.options, cloud: to } };
      this.manifest.updateStorage(s.name, r);
      this.map.set(s.name, new Storage(r, this.dbDir));
    }
  }

  /** Rewrites the descriptors of storages whose options changed (call after the transaction). */
  describeAll(): void {
    for (const s of this.map.values()) writeDescriptor(s);
  }

  /** DROP STORAGE; the caller has checked that it is empty and not in the pipeline. */
  drop(op: string, s: Storage): void {
    if (s.name === MAIN) throw new StrataError('INVALID_INPUT', `${op}: main cannot be dropped`);
    this.manifest.deleteStorage(s.name);
    this.map.delete(s.name);
    removeDescriptor(s);
    removeEmptyDir(s.dir);
  }
}

/** Removes a storage folder if it is empty; a folder with files we do not own stays. */
function removeEmptyDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty, or already gone
  }
}

/**
 * Creates the storage's folder `<base>/<uuid>/` and, when it is missing, its base: one
 * level each, never the base's parents (storage-path.ts checked that they exist; at
 * open, a missing parent is a disk not mounted, or a folder removed by hand: creating
 * it would put partition files where the operator did not mean them). Both private to
 * the user (mode 0700). A failure removes the base if it was created here.
 * @throws StrataError `IO` naming the folder.
 */
function makeDir(op: string, s: Storage): void {
  const made = mkdirOne(op, s, s.base);
  try {
    mkdirOne(op, s, s.dir);
  } catch (e) {
    if (made) removeEmptyDir(s.base);
    throw e;
  }
}

/** mkdir of one level, mode 0700; false when it exists. */
function mkdirOne(op: string, s: Storage, dir: string): boolean {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isDir(dir)) return false;
    if (code === 'ENOENT') {
      throw new StrataError('IO', `${op}: storage '${s.name}': cannot create ${dir}: its parent folder does not exist (a disk not mounted, or a folder removed?); restore it`, { cause: e, retryable: true });
    }
    throw ioError(`${op}: storage '${s.name}'`, dir, e);
  }
}

function isDir(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
