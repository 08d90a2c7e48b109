/**
 * The iterators of a cursor (`for of`, `for await`): hand-written iterator objects,
 * not generators. Each reads the cursor batch by batch (`nextBatch`), copies the
 * batch's keys and values in one go into a new buffer of their own, and hands out one
 * {@link StrataEvent} per event with views into that buffer. The copy is what lets a
 * caller keep events after the loop moves on (the cursor's own buffers are reused);
 * one copy per batch instead of one per event keeps it cheap. The async iterator
 * resolves one promise per event and awaits the network only at the region
 * boundaries of cloud partitions.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { Cursor } from './cursor.ts';
import type { StrataEvent } from './event-view.ts';

/** Events per batch the iterators read. */
const BATCH = 1024;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** The key of every event without one (an empty view has nothing to change or keep alive). */
const NO_KEY = new Uint8Array(0);

/** The cursor's current batch, copied out: a new buffer and where its bytes came from. */
class CopiedBatch {
  /** Next event to hand out, and the number of events. */
  i = 0;
  n = 0;
  private data: Uint8Array = new Uint8Array(0);
  private base = 0;

  constructor(protected readonly cursor: Cursor) {}

  /** Copies the keys and values of the cursor's batch into a buffer of their own. */
  protected load(): void {
    const b = this.cursor.batch;
    const n = b.length;
    const start = b.keyOffsets[0]!;
    const end = b.valueOffsets[n - 1]! + b.valueLengths[n - 1]!;
    // not zeroed: every byte is written by the copy
    const raw = Buffer.allocUnsafe(end - start);
    const data = new Uint8Array(raw.buffer, raw.byteOffset, end - start);
    data.set(b.buffer.subarray(start, end));
    this.data = data;
    this.base = start;
    this.i = 0;
    this.n = n;
  }

  /** The next event of the copied batch. REQUIRES: `i < n`. */
  protected take(): IteratorYieldResult<StrataEvent> {
    const b = this.cursor.batch;
    const k = this.i++;
    const d = this.data;
    const kl = b.keyLengths[k]!;
    const ko = b.keyOffsets[k]! - this.base;
    const vo = b.valueOffsets[k]! - this.base;
    return {
      done: false,
      value: { id: b.ids[k]!, key: kl === 0 ? NO_KEY : d.subarray(ko, ko + kl), value: d.subarray(vo, vo + b.valueLengths[k]!) },
    };
  }
}

/**
 * The synchronous iterator of a cursor.
 * @throws StrataError `NOT_SUPPORTED` on reaching a region of a cloud partition that is
 *   not fetched (after the events before it); errors of `nextBatch` otherwise. Either
 *   closes the cursor.
 */
export class SyncEventIterator extends CopiedBatch implements IterableIterator<StrataEvent> {
  next(): IteratorResult<StrataEvent> {
    if (this.i < this.n) return this.take();
    const c = this.cursor;
    try {
      if (c.nextBatch(BATCH)) {
        this.load();
        return this.take();
      }
      if (c.blocked) {
        throw new StrataError('NOT_SUPPORTED', 'cursor: the scan reached a partition that is only on the cloud, which a synchronous loop cannot wait for; use for await, or next() with nextAsync()');
      }
    } catch (e) {
      c.close();
      throw e;
    }
    return DONE;
  }

  /** Leaving the loop early closes the cursor. */
  return(): IteratorResult<StrataEvent> {
    this.n = 0;
    this.cursor.close();
    return DONE;
  }

  [Symbol.iterator](): IterableIterator<StrataEvent> {
    return this;
  }
}

/**
 * The async iterator of a cursor: waits for cloud regions by itself. A rejection
 * (`CLOUD` after its retries, `CORRUPTION`, `CLOSED`) closes the cursor.
 */
export class AsyncEventIterator extends CopiedBatch implements AsyncIterableIterator<StrataEvent> {
  next(): Promise<IteratorResult<StrataEvent>> {
    if (this.i < this.n) return Promise.resolve(this.take());
    const c = this.cursor;
    try {
      if (c.nextBatch(BATCH)) {
        this.load();
        return Promise.resolve(this.take());
      }
    } catch (e) {
      c.close();
      return Promise.reject(e as Error);
    }
    if (!c.blocked) return Promise.resolve(DONE);
    return c.nextBatchAsync(BATCH).then(
      (more) => {
        if (!more) return DONE;
        this.load();
        return this.take();
      },
      (e: unknown) => {
        c.close();
        throw e;
      },
    );
  }

  /** Leaving the loop early closes the cursor. */
  return(): Promise<IteratorResult<StrataEvent>> {
    this.n = 0;
    this.cursor.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StrataEvent> {
    return this;
  }
}
