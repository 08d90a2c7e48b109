/**
 * The database facade (`Strata`): open and close, write, cursors, refresh and
 * checkpoint, statements, repair. It checks its arguments and its state (`CLOSED`) and
 * calls the engine: the procedures are engine/db's (open.ts, write-path.ts,
 * checkpoint.ts, memory-limit.ts, repair.ts) and the executor's (statements/).
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { BatchBuilder, type IdLike, idHi, idLo, toId, validateBatch } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import type { Config, OpenConfig } from '../engine/core/config.ts';
import type { EngineContext } from '../engine/core/context.ts';
import type { DirLock } from '../engine/core/lock.ts';
import type { OperationsView } from '../engine/core/operations.ts';
import type { EngineListener } from '../engine/core/observers.ts';
import { type CheckpointResult, checkpointAll } from '../engine/db/checkpoint.ts';
import { overLimit, relieveMemory } from '../engine/db/memory-limit.ts';
import { openEngine } from '../engine/db/open.ts';
import type { OpenReport } from '../engine/db/recovery.ts';
import { type RepairOptions, type RepairReport, repairDatabase } from '../engine/db/repair.ts';
import type { BackgroundService } from '../engine/db/service.ts';
import { type WriteResult, applyBatch } from '../engine/db/write-path.ts';
import { refreshPartition } from '../engine/lifecycle/refresh.ts';
import { type StatementResult, executeScript } from '../statements/execute.ts';
import { Cursor, type CursorOptions } from './cursor.ts';
import type { ArrowByteStream, ArrowData, IpcStreamResult, RecordBatch } from '../arrow/index.ts';
import { type ArrowExportOptions, type ArrowScanOptions, type ArrowStreamResult, exportArrow, scanArrow, writeArrow } from './arrow.ts';
import { type ParquetExportOptions, type ParquetExportResult, exportParquet } from './parquet.ts';

/** Options of {@link Database.execute} and {@link Database.executeAll}. */
export interface ExecuteOptions {
  /**
   * Cancels the statements once it fires: the script stops before its next statement,
   * and a statement over several partitions (`MOVE`, `REFRESH`, `UPLOAD`, `DOWNLOAD`,
   * `DROP PARTITIONS`, `REBALANCE`) before its next partition; the partition in flight
   * finishes (or fails and rolls back as it would anyway). Rejects with `CANCELLED`,
   * saying how many were done.
   */
  readonly signal?: AbortSignal;
}

/**
 * An open Strata database. One process owns a directory at a time.
 *
 * Durability: with `wal` on, a write is in the WAL when its promise resolves, and
 * on disk (fdatasync) too when `wal_sync_on_write` is set; it survives a crash of
 * the process either way, and of the machine in the second case.
 */
export class Database {
  /** What open() found and did: recovered WAL records, rolled-back operations. */
  readonly openReport: OpenReport;
  /**
   * The operations in flight, read-only: `list()` returns copies of the `'running'`
   * rows of `SHOW OPERATIONS` (refreshes, moves, uploads, downloads), oldest first.
   */
  get operations(): OperationsView {
    return this.ctx.operations.view;
  }
  private closed = false;
  /** Set at the start of close(): new calls are refused from then on. */
  private closing = false;
  private closePromise: Promise<void> | undefined;
  /** Writes held back by the memory limit, applied in order before any later write. */
  private held: Promise<unknown> | null = null;

  private constructor(
    private readonly ctx: EngineContext,
    private readonly lock: DirLock,
    report: OpenReport,
    private readonly service: BackgroundService,
  ) {
    this.openReport = report;
  }

  /**
   * Opens (creating if needed) the database in `dir`. Settings given in `config` are
   * applied and persisted (but `wal_recovery` and the error-injection points, which
   * hold for this open only); the others keep their stored (or default) values. The
   * directory is created with mode 0700, or an existing one set to 0700; every file
   * and folder Strata creates is private to its user (0600, 0700).
   * @throws StrataError `LOCKED` if another process or handle owns `dir`,
   *   `INVALID_INPUT`/`NOT_FOUND` for bad settings, `CORRUPTION` for damaged files
   *   (WAL damage that valid records follow, with `wal_recovery` 'tail': nothing changed).
   */
  static async open(dir: string, config: OpenConfig = {}): Promise<Database> {
    const { ctx, lock, report, service } = await openEngine(dir, config);
    return new Database(ctx, lock, report, service);
  }

  /**
   * Rebuilds the manifest of `dir` from the files on disk when it is missing, empty or
   * damaged (a damaged one is moved aside), as LevelDB's RepairDB does: storages from
   * their folders (and `options.storagePaths`), partitions from their files, `ssn` from
   * the highest id; then opens the database, which replays the WAL, refreshes what it
   * replayed and closes. A sound manifest is only checked, and encrypted storages
   * without a key get the one `options.keys` gives. Cloud partitions cannot be found
   * without the cloud's credentials: the report says so. A second repair finds nothing
   * to change. See docs/manifest.md#repair.
   * @throws StrataError `NOT_FOUND` (no such directory), `LOCKED` (the database is
   *   open), `NOT_SUPPORTED` (a manifest of a newer Strata), `INVALID_INPUT` (a key
   *   that is not 64 hex digits), `IO`, and what open throws.
   */
  static async repair(dir: string, options: RepairOptions = {}): Promise<RepairReport> {
    const report = repairDatabase(dir, options);
    if (!report.changed) return report;
    // replay the WAL onto what was rebuilt, and put it in partition files
    const db = await Database.open(dir);
    try {
      const w = db.openReport.wal;
      report.wal = w === null ? null : { segments: w.segments, records: w.records, events: w.events, skipped: w.skipped };
      for (const d of db.openReport.damaged) report.skipped.push(d);
      const { damaged } = await db.checkpoint();
      for (const d of damaged) report.skipped.push(`partition ${d.partition}: its events replayed from the WAL stay in memory and in the WAL: ${d.error}`);
    } finally {
      await db.close();
    }
    return report;
  }

  /** The settings in force (read-only view). */
  get config(): Readonly<Config> {
    return this.ctx.config;
  }

  /** The directory of the database. */
  get dir(): string {
    return this.ctx.dir;
  }

  /**
   * The names of the storages, sorted, as `SHOW STORAGES` lists them; without parsing
   * a statement (the console's banner shows them before it loads the grammar).
   */
  get storages(): string[] {
    return this.ctx.storages.all().map((s) => s.name);
  }

  /**
   * Writes a batch (binary format v1, or a {@link BatchBuilder}) atomically: every
   * event or none. Resolves once the WAL record is written, and synced when
   * `wal_sync_on_write` is set.
   * @throws StrataError `INVALID_INPUT` for a malformed batch (nothing written),
   *   `CLOSED`, `IO`.
   */
  write(batch: Uint8Array | BatchBuilder): Promise<WriteResult> {
    try {
      this.checkOpen('write');
      const bytes = batch instanceof BatchBuilder ? batch.finish() : batch;
      if (!(bytes instanceof Uint8Array)) {
        throw new StrataError('INVALID_INPUT', 'write: a batch is a Uint8Array in the binary batch format or a BatchBuilder');
      }
      const done = this.held !== null || overLimit(this.ctx) ? this.hold(bytes) : this.apply(bytes);
      return this.ctx.observers.active ? this.observed(done, bytes.length, performance.now()) : done;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Tells the observers of the write `done` once it is acknowledged. */
  private async observed(done: Promise<WriteResult>, bytes: number, t0: number): Promise<WriteResult> {
    const r = await done;
    this.ctx.observers.emit({ type: 'write', events: r.events, bytes, seconds: (performance.now() - t0) / 1000 });
    return r;
  }

  /**
   * Calls `listener` with what the engine does from now on: each acknowledged write
   * (events, bytes, seconds from the call), each WAL sync (seconds) and each end of an
   * operation on a partition (kind, bytes, seconds, ok). Listeners run synchronously and
   * must be quick; one that throws is ignored. Returns the function that stops it.
   * `strata serve` builds its metrics on it (docs/server.md).
   */
  observe(listener: EngineListener): () => void {
    this.checkOpen('observe');
    return this.ctx.observers.add(listener);
  }

  /** Applies a batch and waits for the WAL sync when `wal_sync_on_write` is set. */
  private apply(bytes: Uint8Array): Promise<WriteResult> {
    const result = applyBatch(this.ctx, bytes);
    const wal = this.ctx.wal;
    if (wal !== null && this.ctx.config.wal_sync_on_write && result.events > 0) return wal.sync().then(() => result);
    // while background work runs, resolve after a turn of the event loop: a tight loop
    // of writes would otherwise never let a worker's result (a finished refresh) in
    if (this.ctx.inflight.size > 0) return new Promise((resolve) => setImmediate(resolve, result));
    return Promise.resolve(result);
  }

  /**
   * Holds a write back until memory is freed (or fails it with OVERLOADED), behind
   * every write held before it, so writes keep their order.
   */
  private hold(bytes: Uint8Array): Promise<WriteResult> {
    validateBatch(bytes); // bad input fails now, not after the wait
    const copy = bytes.slice(); // the caller may reuse its buffer
    const before = this.held ?? Promise.resolve();
    const run = before.then(async () => {
      this.checkOpen('write');
      if (overLimit(this.ctx)) await relieveMemory(this.ctx);
      return this.apply(copy);
    });
    const tail = run.catch(() => undefined);
    this.held = tail;
    void tail.then(() => {
      if (this.held === tail) this.held = null;
    });
    return run;
  }

  /**
   * Writes Arrow data (docs/arrow.md): columns by name, `id` (Uint64; null: the next
   * serial id), `key` (Binary or Utf8; optional; null: no key), `value` (Binary or Utf8;
   * null only in a delete) and an optional `delete` (Bool).
   *
   * A `Table`, a `RecordBatch` or IPC bytes (stream or file format) are written as one
   * batch, atomically, exactly like {@link write}. An IPC stream arriving in chunks (an
   * async iterable of bytes, such as a Node `Readable`) is written a record batch at a
   * time, each atomically, holding one record batch in memory: a bad record batch stops
   * it there, and the error says how many were written before it.
   * @throws StrataError `INVALID_INPUT` naming the column and row (nothing of that
   *   batch written), as {@link write} otherwise.
   */
  writeArrow(data: ArrowData): Promise<WriteResult>;
  writeArrow(data: ArrowByteStream): Promise<ArrowStreamResult>;
  writeArrow(data: ArrowData | ArrowByteStream): Promise<WriteResult | ArrowStreamResult> {
    try {
      this.checkOpen('writeArrow');
      return writeArrow(this, data);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Reads `[from, to]` as Arrow record batches with columns `id` (Uint64), `key` and
   * `value` (Binary; no key is an empty key), in `(id, key)` order, each key and value
   * copied once. Reads cloud partitions like any cursor. Stop early with `break`: the
   * cursor is closed.
   * @throws StrataError `INVALID_INPUT` for bad options, `CLOSED`.
   */
  scanArrow(options: ArrowScanOptions = {}): AsyncGenerator<RecordBatch> {
    this.checkOpen('scanArrow');
    return scanArrow(this, options);
  }

  /**
   * Writes `[from, to]` to `out` as one Arrow IPC stream, waiting for `out` to drain
   * between record batches (a slow reader holds the scan back); `onBatch` hears of each
   * record batch written. Does not end `out`.
   * @throws StrataError `IO` when `out` fails or closes first, as {@link scanArrow}.
   */
  exportArrow(out: Writable, options: ArrowExportOptions = {}): Promise<IpcStreamResult> {
    try {
      this.checkOpen('exportArrow');
      return exportArrow(this, out, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Writes `[from, to]` as one Parquet file, in the layout of Strata's Parquet partition
   * files (docs/arrow.md#parquet): columns `id` (INT64, UINT_64), `key`, `value`
   * (BYTE_ARRAY), zstd at `compression_level`, a row group per `regionSize` (default
   * `region_size`) bytes of events with min/max statistics of `id`. `target` is a path
   * (the file is created or replaced, mode 0600, fsynced with its directory before the
   * promise resolves, removed if the export fails) or a `Writable` (written in order,
   * with backpressure; not ended). `onRowGroup` hears of each row group written.
   * @throws StrataError `INVALID_INPUT` for bad options or `from` after `to` (nothing
   *   written), `IO` when the file or `out` fails, `CLOSED`.
   */
  exportParquet(target: string | Writable, options: ParquetExportOptions = {}): Promise<ParquetExportResult> {
    try {
      this.checkOpen('exportParquet');
      return exportParquet(this, target, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Opens a cursor over `[from, to]` (see {@link CursorOptions}). */
  cursor(options: CursorOptions = {}): Cursor {
    this.checkOpen('cursor');
    return new Cursor(this.ctx, () => !this.closed, options);
  }

  /**
   * Refreshes the partition holding `id` (merges its memtable into a new file).
   * @throws StrataError `NOT_FOUND` when no partition holds `id`.
   */
  async refresh(idLike: IdLike): Promise<void> {
    this.checkOpen('refresh');
    const id = toId(idLike, 'refresh');
    const p = this.ctx.partitions.find(idHi(id), idLo(id));
    if (p === undefined) throw new StrataError('NOT_FOUND', `refresh: no partition holds id ${id}`);
    await refreshPartition(this.ctx, p);
  }

  /**
   * Refreshes every partition with events in memory, then releases WAL segments. A
   * partition whose file is damaged (at open, or found by the merge) cannot be
   * refreshed: its events stay in memory and in the WAL, it is listed in the result,
   * and every other partition is refreshed all the same.
   * @throws StrataError `IO`, `CLOUD`, `INTERNAL` (the first such failure, once every
   *   refresh has ended and the WAL is released), `CLOSED`.
   */
  async checkpoint(): Promise<CheckpointResult> {
    this.checkOpen('checkpoint');
    return checkpointAll(this.ctx);
  }

  /**
   * Runs one or more statements (docs/sql/) separated by `;` and returns what the last
   * one answered: plain data (u64 values as bigint: {@link toJson} renders them), or
   * null for statements that only act. The whole text is parsed first: a syntax
   * error runs nothing. Execution stops at the first failing statement; the ones
   * before it have taken effect. `options.signal` cancels: between statements, and
   * between the partitions of a statement over several (the one in flight finishes).
   * @throws StrataError `SYNTAX`, `CANCELLED`, and the codes each statement's page lists.
   */
  async execute(sql: string, options: ExecuteOptions = {}): Promise<unknown> {
    const results = await this.executeAll(sql, options);
    return results.length === 0 ? null : results[results.length - 1]!.result;
  }

  /** Like {@link Database.execute}, returning every statement's text and result. */
  async executeAll(sql: string, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    this.checkOpen('execute');
    if (typeof sql !== 'string') throw new StrataError('INVALID_INPUT', 'execute: statements are a string of SQL text');
    const signal = options.signal;
    // duck-typed: a signal of another realm or a polyfill is an AbortSignal too
    if (signal !== undefined && typeof (signal as { aborted?: unknown } | null)?.aborted !== 'boolean') {
      throw new StrataError('INVALID_INPUT', 'execute: options.signal is an AbortSignal (new AbortController().signal)');
    }
    return executeScript(this.ctx, this, sql, signal);
  }

  /**
   * Closes the database: waits for background refreshes, refreshes everything when
   * the WAL is off, syncs and closes the WAL, the manifest and the files, and
   * releases the directory. Idempotent.
   */
  close(): Promise<void> {
    // a second call waits for the first
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    if (this.closed) return;
    this.closing = true; // refuse new work from here on
    await this.service.stop();
    const ctx = this.ctx;
    try {
      await this.held;
      await Promise.allSettled([...ctx.inflight]);
      if (ctx.wal === null) {
        // a partition damaged at open kept the log its events were replayed from; one
        // whose damage this merge finds has no other copy of its events in memory
        const known = new Set(ctx.partitions.all.filter((p) => p.damage !== null).map((p) => p.min));
        const damaged = (await checkpointAll(ctx)).damaged.filter((d) => !known.has(d.partition));
        if (damaged.length > 0) {
          const list = damaged.map((d) => `${d.partition} (${d.error})`).join('; ');
          throw new StrataError('CORRUPTION', `close: with wal off, the events in memory of damaged partitions are lost: ${list}; restore their files before writing to them`);
        }
      }
      this.closed = true;
      await ctx.wal?.close();
      ctx.manifest.setConfig('ssn', ctx.serial.value);
    } finally {
      this.closed = true;
      await ctx.pool.close();
      ctx.links.close();
      for (const p of ctx.partitions.all) p.file?.close();
      ctx.manifest.close();
      this.lock.release();
    }
  }

  /** The last error of background work (refresh, rebalance), if any; it is retried later. */
  get lastBackgroundError(): unknown {
    return this.service.lastError;
  }

  private checkOpen(operation: string): void {
    if (this.closed || this.closing) throw new StrataError('CLOSED', `${operation}: the database is closed; open it again`);
  }
}
