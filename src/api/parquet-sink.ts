/**
 * Where `exportParquet` puts its bytes: a file it creates (written in place, fsynced
 * with its directory at the end, removed on failure) or a Node `Writable` (a pipe,
 * standard output) written in order with backpressure. The Parquet writer hands over
 * its bytes at increasing, back-to-back offsets, so a stream that cannot seek serves.
 *
 * @module
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { ioError, StrataError } from '../errors.ts';

const OP = 'exportParquet';

/** The destination of an export, as the Parquet writer and the export loop see it. */
export interface ExportSink {
  /**
   * Takes `bytes`, which belong at offset `pos` (the next offset: writes come in
   * order); copies what it keeps, since the writer reuses its buffer.
   * @throws StrataError `IO` when a file write fails.
   */
  writeAt(bytes: Uint8Array, pos: number): void;
  /** Waits until the destination has taken what it was given (a stream drained). */
  settle(): Promise<void>;
  /** Makes everything durable (a file: fsync, close, fsync its directory). */
  finish(): Promise<void>;
  /** After a failure: releases the destination; a file made here is removed. */
  abort(): void;
}

/** A new file at `path` (one there is replaced), mode 0600, written with positioned writes. */
class FileSink implements ExportSink {
  private fd: number;
  /** A regular file: fsynced at the end and removed on failure (not a device or a FIFO). */
  private readonly regular: boolean;
  /** Set once the file is whole and durable: abort then leaves it. */
  private done = false;

  constructor(private readonly path: string) {
    try {
      this.fd = fs.openSync(path, 'w', 0o600);
    } catch (e) {
      throw ioError(OP, path, e);
    }
    try {
      this.regular = fs.fstatSync(this.fd).isFile();
      // a file replaced keeps its mode unless told: private, as every file Strata makes
      if (this.regular) fs.fchmodSync(this.fd, 0o600);
    } catch (e) {
      fs.closeSync(this.fd);
      throw ioError(OP, path, e);
    }
  }

  writeAt(bytes: Uint8Array, pos: number): void {
    try {
      for (let done = 0; done < bytes.length;) {
        done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.regular ? pos + done : null);
      }
    } catch (e) {
      throw ioError(OP, this.path, e);
    }
  }

  /** The writes are synchronous: only lets the event loop run (timers, other work). */
  settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  async finish(): Promise<void> {
    try {
      if (this.regular) fs.fsyncSync(this.fd);
      const fd = this.fd;
      this.fd = -1;
      fs.closeSync(fd);
      // the file's name is durable once its directory is synced
      if (this.regular) syncDirectory(dirname(this.path));
    } catch (e) {
      throw ioError(OP, this.path, e);
    }
    this.done = true;
  }

  abort(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing is all that is left to do with it
      }
      this.fd = -1;
    }
    // the file is not a whole Parquet file: leave nothing that looks like one
    if (this.regular && !this.done) fs.rmSync(this.path, { force: true });
  }
}

/** fsyncs directory `dir`. */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const closedEarly = (): StrataError => new StrataError('IO', `${OP}: the output stream closed before the Parquet file ended`);

/**
 * A `Writable`, written in order; bytes are copied and written at each {@link settle}.
 * Its failures are heard both from the write callbacks and from `'error'` (which a
 * socket emits only once it has closed): the listener stays until the stream has
 * taken the last byte, or, after a failure, until it closes.
 */
class StreamSink implements ExportSink {
  private chunks: Uint8Array[] = [];
  private offset = 0;
  private failure: unknown = null;
  /** Settles when the stream has taken the last chunk written (its write callback). */
  private last: Promise<void> = Promise.resolve();
  private readonly onError = (e: unknown): void => {
    this.failure ??= e;
  };

  constructor(private readonly out: Writable) {
    out.on('error', this.onError);
  }

  writeAt(bytes: Uint8Array, pos: number): void {
    if (pos !== this.offset) throw new StrataError('INTERNAL', `${OP}: the Parquet writer wrote at offset ${pos}, the stream is at ${this.offset}`);
    this.chunks.push(Uint8Array.from(bytes));
    this.offset += bytes.length;
  }

  async settle(): Promise<void> {
    const out = this.out;
    this.check();
    if (this.chunks.length === 0) return;
    if (out.destroyed || out.writableEnded) throw closedEarly();
    let room = true;
    let taken!: () => void;
    this.last = new Promise((resolve) => (taken = resolve));
    const onWritten = (e: Error | null | undefined): void => {
      if (e) this.failure ??= e;
      taken();
    };
    out.cork();
    const n = this.chunks.length;
    for (let i = 0; i < n; i++) room = out.write(this.chunks[i], i === n - 1 ? onWritten : undefined);
    out.uncork();
    this.chunks = [];
    // uncork may flush and emit 'drain' at once: wait only while a drain is still due
    if (!room && out.writableNeedDrain) await drained(out);
    this.check();
  }

  async finish(): Promise<void> {
    await this.settle();
    // the stream has taken every byte (or failed) when the last write's callback runs;
    // an 'error' it emits with that callback comes within the turn after it
    await taken(this.out, this.last);
    await new Promise((resolve) => setImmediate(resolve));
    this.abort();
    this.check();
  }

  abort(): void {
    const out = this.out;
    // a stream that failed may still emit 'error' (a socket does once closed): listen till then
    if (this.failure === null || out.closed) out.off('error', this.onError);
    else out.once('close', () => out.off('error', this.onError));
  }

  private check(): void {
    if (this.failure !== null) throw writeFailed(this.failure);
  }
}

/**
 * Resolves when `last` does (the last write's callback ran) or `out` closes first
 * (whose write callbacks then say why). Leaves no listener behind.
 */
function taken(out: Writable, last: Promise<void>): Promise<void> {
  if (out.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('close', done);
      resolve();
    };
    out.on('close', done);
    void last.then(done);
  });
}

function writeFailed(e: unknown): StrataError {
  return e instanceof StrataError ? e : new StrataError('IO', `${OP}: writing the Parquet file failed: ${String(e)}`, { cause: e });
}

/** Waits for `out` to drain; fails when it closes or fails first. Leaves no listener behind. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (e: unknown): void => {
      out.off('drain', onDrain).off('close', onClose).off('error', onError);
      if (e === null) resolve();
      else reject(writeFailed(e));
    };
    const onDrain = (): void => settle(null);
    const onClose = (): void => settle(closedEarly());
    const onError = (e: unknown): void => settle(e);
    out.on('drain', onDrain).on('close', onClose).on('error', onError);
  });
}

/**
 * The sink of `target`: a file path (created, or truncated if it exists) or a stream.
 * @throws StrataError `IO` when the file cannot be created; `INVALID_INPUT` when
 *   `target` is neither.
 */
export function openSink(target: string | Writable): ExportSink {
  if (typeof target === 'string') {
    if (target === '') throw new StrataError('INVALID_INPUT', `${OP}: the file name is empty; give a path or a Writable`);
    return new FileSink(target);
  }
  if (typeof target !== 'object' || target === null || typeof (target as Partial<Writable>).write !== 'function') {
    throw new StrataError('INVALID_INPUT', `${OP}: the target is a file path or a Node Writable, got ${String(target)}`);
  }
  return new StreamSink(target);
}
