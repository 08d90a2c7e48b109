/**
 * The storages of a database, loaded from the manifest, and the rules of
 * `CREATE / ALTER / DROP STORAGE`: `main` always exists and cannot be dropped; a
 * storage is dropped only when it holds no partitions and is not in the pipeline;
 * `path` and `encryption` change only while it is empty; `RENAME TO` keeps the rest.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { Option } from '../../grammar/index.ts';
import { StrataError, ioError } from '../errors.ts';
import type { Manifest, StorageRecord } from '../manifest/index.ts';
import { Storage, mergeOptions } from './storage.ts';
import { removeDescriptor, writeDescriptor } from './storage-descriptor.ts';

/** The name of the storage that always exists: the database directory itself. */
export const MAIN = 'main';

/** Named storages. */
export class StorageRegistry {
  private readonly map = new Map<string, Storage>();

  /** Loads the storages of `manifest`, creating `main` in a new database. */
  constructor(private readonly manifest: Manifest, private readonly dbDir: string) {
    for (const r of manifest.listStorages()) this.map.set(r.name, new Storage(r, dbDir));
    if (!this.map.has(MAIN)) {
      const r: StorageRecord = { name: MAIN, uuid: randomUUID(), path: '', options: {}, created: Date.now() * 1000 };
      manifest.insertStorage(r);
      this.map.set(MAIN, new Storage(r, dbDir));
    }
    for (const s of this.map.values()) {
      makeDir(s);
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
  create(op: string, name: string, list: readonly Option[], ifNotExists: boolean): boolean {
    if (this.map.has(name)) {
      if (ifNotExists) return false;
      throw new StrataError('ALREADY_EXISTS', `${op}: storage '${name}' already exists`);
    }
    const options = mergeOptions(op, {}, list, true, true);
    const { uuid, path, ...rest } = options;
    const r: StorageRecord = { name, uuid: (uuid as string | undefined) ?? randomUUID(), path: (path as string | undefined) ?? '', options: rest, created: Date.now() * 1000 };
    const s = new Storage(r, this.dbDir);
    if ([...this.map.values()].some((o) => o.dir === s.dir)) throw new StrataError('ALREADY_EXISTS', `${op}: another storage already uses ${s.dir}`);
    // the record first (it refuses a taken uuid), then the folder: a failure leaves nothing
    this.manifest.insertStorage(r);
    try {
      makeDir(s);
      writeDescriptor(s);
    } catch (e) {
      this.manifest.deleteStorage(name);
      throw e;
    }
    this.map.set(name, s);
    return true;
  }

  /** ALTER STORAGE ... SET: `empty` says whether it holds partitions. */
  alter(op: string, s: Storage, list: readonly Option[], empty: boolean): void {
    const current = { ...s.record.options, path: s.record.path };
    const { path, ...rest } = mergeOptions(op, current, list, empty, false);
    const r: StorageRecord = { ...s.record, path: (path as string | undefined) ?? '', options: rest };
    const next = new Storage(r, this.dbDir);
    makeDir(next);
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

function makeDir(s: Storage): void {
  try {
    fs.mkdirSync(s.dir, { recursive: true });
  } catch (e) {
    throw ioError('storage', s.dir, e);
  }
}
