/**
 * `BatchBuilder`: a small producer of the binary batch format for TypeScript callers.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { BATCH_HEADER, BATCH_MAGIC, BATCH_VERSION } from './batch-format.ts';
import { type IdLike, idHi, idLo, toId } from './id.ts';
import { FLAG_DELETE, FLAG_SERIAL, MAX_KEY, RECORD_HEADER, putU32, recSetId } from './record.ts';

const encoder = new TextEncoder();

/** Key or value bytes: a byte array, or a string (UTF-8 encoded). */
export type Bytes = Uint8Array | string;

function bytesOf(b: Bytes | undefined): Uint8Array {
  if (b === undefined) return EMPTY;
  return typeof b === 'string' ? encoder.encode(b) : b;
}
const EMPTY = new Uint8Array(0);

/**
 * Builds a batch in the binary format v1, growing one buffer as events are added.
 * A builder may be reused after {@link BatchBuilder.reset}.
 *
 * ```ts
 * const b = new BatchBuilder();
 * b.insert(1n, 'sensor-7', payload);   // explicit id
 * b.append(undefined, payload);         // serial id, assigned by the database
 * b.delete(2n, 'sensor-7');
 * await db.write(b);
 * ```
 */
export class BatchBuilder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = BATCH_HEADER;
  private n = 0;

  /** @param capacity initial buffer size in bytes (it grows as needed). */
  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(Math.max(capacity, BATCH_HEADER + RECORD_HEADER));
    this.view = new DataView(this.buf.buffer);
  }

  /** Number of events added. */
  get count(): number {
    return this.n;
  }

  /** Size in bytes of the batch built so far. */
  get size(): number {
    return this.pos;
  }

  /**
   * Adds an insert (or a replace: same `(id, key)` again) of `[id, key, value]`.
   * @throws StrataError `INVALID_INPUT` for a bad id or a key over 255 bytes.
   */
  insert(id: IdLike, key: Bytes | undefined, value: Bytes | undefined): this {
    const v = toId(id, 'batch insert');
    return this.add(idHi(v), idLo(v), 0, bytesOf(key), bytesOf(value));
  }

  /** Adds an event whose id the database assigns in serial mode (`ssn + 1`). */
  append(key: Bytes | undefined, value: Bytes | undefined): this {
    return this.add(0, 0, FLAG_SERIAL, bytesOf(key), bytesOf(value));
  }

  /** Adds a delete of the event `(id, key)`. */
  delete(id: IdLike, key?: Bytes): this {
    const v = toId(id, 'batch delete');
    return this.add(idHi(v), idLo(v), FLAG_DELETE, bytesOf(key), EMPTY);
  }

  /**
   * Adds an insert with the id given as two u32 halves: the allocation-free path for
   * producers that write many events per second.
   */
  insertParts(hi: number, lo: number, key: Uint8Array, value: Uint8Array): this {
    return this.add(hi >>> 0, lo >>> 0, 0, key, value);
  }

  /**
   * The finished batch: a view of the builder's buffer, valid until the builder is
   * next changed. Pass it to `db.write()` or copy it.
   */
  finish(): Uint8Array {
    putU32(this.buf, 0, BATCH_MAGIC);
    this.view.setUint16(4, BATCH_VERSION, true);
    this.view.setUint16(6, 0, true);
    putU32(this.buf, 8, this.n);
    putU32(this.buf, 12, this.pos - BATCH_HEADER);
    return this.buf.subarray(0, this.pos);
  }

  /** Empties the builder, keeping its buffer. */
  reset(): this {
    this.pos = BATCH_HEADER;
    this.n = 0;
    return this;
  }

  private add(hi: number, lo: number, flags: number, key: Uint8Array, value: Uint8Array): this {
    if (key.length > MAX_KEY) {
      throw new StrataError('INVALID_INPUT', `batch: key of ${key.length} bytes is longer than ${MAX_KEY}`);
    }
    const need = RECORD_HEADER + key.length + value.length;
    this.reserve(need);
    const b = this.buf;
    const p = this.pos;
    recSetId(b, p, hi, lo);
    putU32(b, p + 8, value.length);
    b[p + 12] = key.length;
    b[p + 13] = flags;
    b.set(key, p + RECORD_HEADER);
    b.set(value, p + RECORD_HEADER + key.length);
    this.pos = p + need;
    this.n++;
    return this;
  }

  private reserve(need: number): void {
    if (this.pos + need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
