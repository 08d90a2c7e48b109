/**
 * The manifest: the SQLite database that is the single source of truth for config,
 * storages, partitions (and so which files are live) and in-flight operations.
 *
 * @module
 */
import type Database from 'better-sqlite3';
import { StrataError } from '../errors.ts';
import { openDatabase } from './open-database.ts';
import { operationToRow, partitionToRow, rowToOperation, rowToPartition } from './records.ts';
import type { CloudDelete, CloudRecord, DroppedRange, OperationRecord, PartitionRecord, PipelineRecord, StorageRecord } from './records.ts';
import { missingStorage, sqliteError, storageConflict } from './sqlite-error.ts';
import { prepareStatements } from './statements.ts';
import type { Statements, ValueRow } from './statements.ts';
import { decodeValue, encodeValue, textToU64, u64ToText } from './values.ts';
import type { ConfigValue } from './values.ts';

/**
 * An open manifest. Every method is synchronous and durable on return (WAL journal,
 * `synchronous = FULL`): a change that returned survives a crash; one that threw
 * changed nothing. Every failure is a StrataError whose message starts with
 * `manifest:` (the SQLite error, if any, is its `cause`); after {@link close}, every
 * method throws `CLOSED`. One process at a time should own a manifest (the engine
 * locks its directory); SQLite's own lock makes a second writer wait, then `LOCKED`.
 */
export class Manifest {
  /** Path of the database file. */
  readonly path: string;
  /** True if this open created the database (the file was absent, empty, or had no schema yet). */
  readonly created: boolean;
  private readonly db: Database.Database;
  private readonly st: Statements;
  private readonly txn: Database.Transaction<(fn: () => unknown) => unknown>;

  private constructor(db: Database.Database, path: string, created: boolean) {
    this.db = db;
    this.path = path;
    this.created = created;
    this.st = prepareStatements(db);
    this.txn = db.transaction((fn: () => unknown) => {
      const result = fn();
      if (result instanceof Promise) {
        // throwing here rolls the transaction back
        throw new StrataError('INTERNAL', 'manifest: transaction: the function returned a promise; it must be synchronous');
      }
      return result;
    });
  }

  /**
   * Opens the manifest at `path`, creating the file and the schema if absent, and
   * migrating an older schema (one transaction per migration). The directory must exist.
   *
   * @throws StrataError `CORRUPTION` (naming the path) if the file is not a SQLite
   *   database or is one of another application; `NOT_SUPPORTED` if its schema is newer
   *   than this code; `IO` if it cannot be read or created; `LOCKED` if another
   *   connection holds it too long.
   */
  static open(path: string): Manifest {
    const { db, version } = openDatabase(path);
    return new Manifest(db, path, version === 0);
  }

  /** Closes the database. Idempotent. Must not be called inside {@link transaction}. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs `fn` in one SQLite transaction: either every manifest change made by `fn`
   * commits, or (if `fn` throws) none does and `fn`'s error is rethrown unchanged.
   * Nests (an inner call is a savepoint). `fn` must be synchronous.
   * @throws whatever `fn` throws; StrataError if the commit fails.
   */
  transaction<T>(fn: () => T): T {
    this.checkOpen('transaction');
    let thrown = false;
    try {
      return this.txn(() => {
        try {
          return fn();
        } catch (e) {
          thrown = true;
          throw e;
        }
      }) as T;
    } catch (e) {
      if (thrown) throw e;
      throw sqliteError('transaction', e, this.path);
    }
  }

  /** Every setting, by name; values keep their type (a bigint stays a bigint). */
  getConfig(): Map<string, ConfigValue> {
    return this.run('get config', () => {
      const out = new Map<string, ConfigValue>();
      for (const r of this.st.configAll.all()) out.set(r.name, decodeValue(r.type, r.value, `config '${r.name}'`));
      return out;
    });
  }

  /** Sets (inserts or replaces) one setting. */
  setConfig(name: string, value: ConfigValue): void {
    this.setConfigMany([[name, value]]);
  }

  /** Sets several settings in one transaction: all or none. */
  setConfigMany(entries: Iterable<[string, ConfigValue]>): void {
    this.run('set config', () => {
      for (const [name, value] of entries) this.st.configSet.run(name, ...encodeValue(value, 'set config', name));
    });
  }

  /** Every storage, sorted by name. */
  listStorages(): StorageRecord[] {
    return this.run('list storages', () => {
      const options = new Map<string, ValueRow[]>();
      for (const o of this.st.optionAll.all()) {
        const list = options.get(o.storage ?? '') ?? [];
        list.push(o);
        options.set(o.storage ?? '', list);
      }
      return this.st.storageAll.all().map((s) => ({ ...s, options: decodeOptions(s.name, options.get(s.name) ?? []) }));
    });
  }

  /** The storage named `name`, or undefined. */
  getStorage(name: string): StorageRecord | undefined {
    return this.run('get storage', () => {
      const s = this.st.storageGet.get(name);
      return s && { ...s, options: decodeOptions(name, this.st.optionOf.all(name)) };
    });
  }

  /** Records a new storage. @throws StrataError `ALREADY_EXISTS` if its name or uuid is taken. */
  insertStorage(s: StorageRecord): void {
    const op = `insert storage '${s.name}'`;
    this.run(op, () => {
      try {
        this.st.storageInsert.run({ name: s.name, uuid: s.uuid, path: s.path, created: s.created });
      } catch (e) {
        throw storageConflict(op, s, e);
      }
      this.insertOptions(op, s);
    });
  }

  /**
   * Replaces the storage named `name` with `s` (options included). `s.name` may differ:
   * a rename, which partitions follow.
   * @throws StrataError `NOT_FOUND` if there is no storage `name`; `ALREADY_EXISTS` if
   *   the new name or uuid belongs to another storage.
   */
  updateStorage(name: string, s: StorageRecord): void {
    const op = `update storage '${name}'`;
    this.run(op, () => {
      let changes: number;
      try {
        changes = this.st.storageUpdate.run({ old: name, name: s.name, uuid: s.uuid, path: s.path, created: s.created }).changes;
      } catch (e) {
        throw storageConflict(op, s, e);
      }
      if (changes === 0) throw new StrataError('NOT_FOUND', `manifest: ${op}: storage '${name}' not found`);
      this.st.optionClear.run(s.name);
      this.insertOptions(op, s);
    });
  }

  /**
   * Deletes a storage and its options.
   * @throws StrataError `NOT_FOUND` if absent; `INVALID_INPUT` if partitions are still in it.
   */
  deleteStorage(name: string): void {
    const op = `delete storage '${name}'`;
    this.run(op, () => {
      const held = this.st.storagePartitions.get(name) ?? 0;
      if (held > 0) {
        throw new StrataError('INVALID_INPUT', `manifest: ${op}: it still holds ${held} partitions; move or drop them first`);
      }
      if (this.st.storageDelete.run(name).changes === 0) {
        throw new StrataError('NOT_FOUND', `manifest: ${op}: storage '${name}' not found`);
      }
    });
  }

  /** Every partition, sorted by `min` ascending (numeric order). */
  listPartitions(): PartitionRecord[] {
    return this.run('list partitions', () => this.st.partitionAll.all().map(rowToPartition));
  }

  /** The partition named by `min`, or undefined. */
  getPartition(min: bigint): PartitionRecord | undefined {
    return this.run('get partition', () => {
      const r = this.st.partitionGet.get(u64ToText(min, 'get partition', 'min'));
      return r && rowToPartition(r);
    });
  }

  /**
   * Records a new partition.
   * @throws StrataError `ALREADY_EXISTS` if a partition has the same `min`;
   *   `INVALID_INPUT` if the range overlaps another partition or a field is out of range;
   *   `NOT_FOUND` if its storage does not exist.
   */
  insertPartition(p: PartitionRecord): void {
    const op = `insert partition ${p.min}`;
    const row = partitionToRow(p, op);
    this.run(op, () => {
      if (this.st.partitionGet.get(row.min)) {
        throw new StrataError('ALREADY_EXISTS', `manifest: ${op}: partition ${p.min} already exists`);
      }
      this.checkOverlap(op, row.min, row.max);
      try {
        this.st.partitionInsert.run(row);
      } catch (e) {
        throw missingStorage(op, p.storage, e);
      }
    });
  }

  /**
   * Replaces the partition named by `p.min` with `p`.
   * @throws StrataError `NOT_FOUND` if there is none (or `p.storage` does not exist);
   *   `INVALID_INPUT` if the new range overlaps another partition or a field is out of range.
   */
  updatePartition(p: PartitionRecord): void {
    const op = `update partition ${p.min}`;
    const row = partitionToRow(p, op);
    this.run(op, () => {
      let changes: number;
      try {
        changes = this.st.partitionUpdate.run(row).changes;
      } catch (e) {
        throw missingStorage(op, p.storage, e);
      }
      if (changes === 0) throw new StrataError('NOT_FOUND', `manifest: ${op}: partition ${p.min} not found`);
      this.checkOverlap(op, row.min, row.max);
    });
  }

  /** Deletes the partition named by `min`. @throws StrataError `NOT_FOUND` if absent. */
  deletePartition(min: bigint): void {
    const op = `delete partition ${min}`;
    const key = u64ToText(min, op, 'min');
    this.run(op, () => {
      if (this.st.partitionDelete.run(key).changes === 0) {
        throw new StrataError('NOT_FOUND', `manifest: ${op}: partition ${min} not found`);
      }
    });
  }

  /** Records an in-flight operation; returns its id (increasing, never reused). */
  insertOperation(op: Omit<OperationRecord, 'id'>): number {
    const name = `insert operation ${op.kind}`;
    const row = operationToRow(op, name);
    return this.run(name, () => Number(this.st.operationInsert.run(row).lastInsertRowid));
  }

  /** Deletes operation `id` (the change is done). @throws StrataError `NOT_FOUND` if absent. */
  deleteOperation(id: number): void {
    const op = `delete operation ${id}`;
    this.run(op, () => {
      if (this.st.operationDelete.run(id).changes === 0) {
        throw new StrataError('NOT_FOUND', `manifest: ${op}: operation ${id} not found`);
      }
    });
  }

  /**
   * Deletes the partition `min` and, when `tombstone` is given, records it, in one
   * transaction: the drop is durable and the WAL can no longer bring the events back.
   */
  dropPartition(min: bigint, tombstone: DroppedRange | null): void {
    const op = `drop partition ${min}`;
    this.run(op, () => {
      if (this.st.partitionDelete.run(u64ToText(min, op, 'min')).changes === 0) {
        throw new StrataError('NOT_FOUND', `manifest: ${op}: partition ${min} not found`);
      }
      if (tombstone !== null) {
        this.st.droppedInsert.run(u64ToText(tombstone.min, op, 'min'), u64ToText(tombstone.max, op, 'max'), u64ToText(tombstone.lsn, op, 'lsn'));
      }
    });
  }

  /** The tombstones of dropped ranges, oldest first. */
  listDropped(): DroppedRange[] {
    return this.run('list dropped', () =>
      this.st.droppedAll.all().map((r) => ({ min: textToU64(r.min), max: textToU64(r.max), lsn: textToU64(r.lsn) })),
    );
  }

  /** Forgets the tombstones older than `lsn` (no WAL record before `lsn` is left). */
  pruneDropped(lsn: bigint): void {
    this.run('prune dropped', () => {
      this.st.droppedPrune.run(u64ToText(lsn, 'prune dropped', 'lsn'));
    });
  }

  /** Every cloud, by name. */
  listClouds(): CloudRecord[] {
    return this.run('list clouds', () =>
      this.st.cloudAll.all().map((r) => ({ name: r.name, type: r.type, options: JSON.parse(r.options) as CloudRecord['options'], created: r.created })),
    );
  }

  /** Records a new cloud. @throws StrataError `ALREADY_EXISTS` if the name is taken. */
  insertCloud(c: CloudRecord): void {
    const op = `insert cloud '${c.name}'`;
    this.run(op, () => {
      try {
        this.st.cloudInsert.run({ name: c.name, type: c.type, options: JSON.stringify(c.options), created: c.created });
      } catch (e) {
        if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true) {
          throw new StrataError('ALREADY_EXISTS', `manifest: ${op}: cloud '${c.name}' already exists`);
        }
        throw e;
      }
    });
  }

  /** Replaces the cloud `name` with `c` (`c.name` may differ: a rename). @throws `NOT_FOUND`. */
  updateCloud(name: string, c: CloudRecord): void {
    const op = `update cloud '${name}'`;
    this.run(op, () => {
      const row = { old: name, name: c.name, type: c.type, options: JSON.stringify(c.options), created: c.created };
      if (this.st.cloudUpdate.run(row).changes === 0) throw new StrataError('NOT_FOUND', `manifest: ${op}: cloud '${name}' not found`);
    });
  }

  /** Deletes the cloud `name`. @throws `NOT_FOUND`. */
  deleteCloud(name: string): void {
    const op = `delete cloud '${name}'`;
    this.run(op, () => {
      if (this.st.cloudDelete.run(name).changes === 0) throw new StrataError('NOT_FOUND', `manifest: ${op}: cloud '${name}' not found`);
    });
  }

  /** Objects waiting to be deleted, oldest first (records.ts, {@link CloudDelete}). */
  listCloudDeletes(): CloudDelete[] {
    return this.run('list cloud deletes', () => this.st.cloudDeleteAll.all());
  }

  /** Records that object `key` of `bucket` is to be deleted; returns the row's id. */
  insertCloudDelete(d: Omit<CloudDelete, 'id'>): number {
    return this.run(`insert cloud delete '${d.key}'`, () => Number(this.st.cloudDeleteInsert.run(d).lastInsertRowid));
  }

  /** Forgets cloud delete `id` (the object is gone, or is referenced now). Absent ids are fine. */
  removeCloudDelete(id: number): void {
    this.run(`remove cloud delete ${id}`, () => this.st.cloudDeleteRemove.run(id));
  }

  /** Whether cloud delete `id` is still recorded. */
  hasCloudDelete(id: number): boolean {
    return this.run(`get cloud delete ${id}`, () => this.st.cloudDeleteHas.get(id)! > 0);
  }

  /** Cloud delete `id`, or undefined when it is no longer recorded. */
  getCloudDelete(id: number): CloudDelete | undefined {
    return this.run(`get cloud delete ${id}`, () => this.st.cloudDeleteGet.get(id));
  }

  /** Forgets every row naming object `key` of `bucket` on `cloud` (a put of that key takes them over). */
  removeCloudDeletesOf(cloud: string, bucket: string, key: string): void {
    this.run(`remove cloud deletes '${key}'`, () => this.st.cloudDeleteRemoveKey.run(cloud, bucket, key));
  }

  /** Points the rows of cloud `from` at its new name `to` (the cloud was renamed). */
  renameCloudDeletes(from: string, to: string): void {
    this.run(`rename cloud deletes '${from}'`, () => this.st.cloudDeleteRename.run(to, from));
  }

  /** The pipeline's tiers in order (empty when no pipeline is set). */
  getPipeline(): PipelineRecord[] {
    return this.run('get pipeline', () =>
      this.st.pipelineAll.all().map((r) => ({
        storage: r.storage,
        partitions: r.partitions,
        size: r.size,
        events: r.events,
        duration: r.duration === null ? null : textToU64(r.duration),
      })),
    );
  }

  /** Replaces the pipeline (one transaction); an empty list resets it. Unknown storage: `NOT_FOUND`. */
  setPipeline(tiers: readonly PipelineRecord[]): void {
    const op = 'set pipeline';
    this.run(op, () => {
      this.st.pipelineClear.run();
      tiers.forEach((t, position) => {
        if (this.st.storageGet.get(t.storage) === undefined) throw new StrataError('NOT_FOUND', `manifest: ${op}: storage '${t.storage}' not found`);
        this.st.pipelineInsert.run({
          position,
          storage: t.storage,
          partitions: t.partitions,
          size: t.size,
          events: t.events,
          duration: t.duration === null ? null : u64ToText(t.duration, op, 'duration'),
        });
      });
    });
  }

  /** Every operation, by id ascending. */
  listOperations(): OperationRecord[] {
    return this.run('list operations', () => this.st.operationAll.all().map(rowToOperation));
  }

  /** Runs `fn` in a transaction, mapping every failure to a StrataError of `operation`. */
  private run<T>(operation: string, fn: () => T): T {
    this.checkOpen(operation);
    try {
      return this.txn(fn) as T;
    } catch (e) {
      throw sqliteError(operation, e, this.path);
    }
  }

  private checkOpen(operation: string): void {
    if (!this.db.open) throw new StrataError('CLOSED', `manifest: ${operation}: the manifest is closed`);
  }

  private insertOptions(op: string, s: StorageRecord): void {
    for (const [name, value] of Object.entries(s.options)) {
      this.st.optionInsert.run(s.name, name, ...encodeValue(value, op, name));
    }
  }

  /** @throws StrataError `INVALID_INPUT` if `[min, max]` overlaps a partition other than `min`'s. */
  private checkOverlap(op: string, min: string, max: string): void {
    const below = this.st.partitionBelow.get({ max, self: min });
    if (below && below.max >= min) {
      throw new StrataError(
        'INVALID_INPUT',
        `manifest: ${op}: range overlaps partition ${BigInt(below.min)} (${BigInt(below.min)}..${BigInt(below.max)})`,
      );
    }
  }
}

/** The options of storage `name`, decoded. */
function decodeOptions(name: string, rows: ValueRow[]): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const r of rows) out[r.name] = decodeValue(r.type, r.value, `storage '${name}' option '${r.name}'`);
  return out;
}
