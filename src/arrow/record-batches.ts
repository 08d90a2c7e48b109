/**
 * Events to Arrow record batches: columns `id` (Uint64), `key` (Binary) and `value`
 * (Binary), none nullable (an event without a key has an empty key). Events are
 * appended a cursor batch at a time; each key and value is copied once, into the
 * record batch's own buffers, which are sized up front so nothing is copied again as
 * they fill.
 *
 * @module
 */
import { Binary, Field, RecordBatch, Schema, Struct, Uint64, makeData } from 'apache-arrow';
import { copyBytes, viewOf } from './copy.ts';

/** The schema of every record batch a scan gives. */
export const SCAN_SCHEMA = new Schema([
  new Field('id', new Uint64(), false),
  new Field('key', new Binary(), false),
  new Field('value', new Binary(), false),
]);

/** What {@link RecordBatchBuilder.append} reads: the shape of a cursor's `EventBatch`. */
export interface EventColumnsView {
  readonly length: number;
  readonly buffer: Uint8Array;
  readonly ids: BigUint64Array;
  readonly keyOffsets: Uint32Array;
  readonly keyLengths: Uint32Array;
  readonly valueOffsets: Uint32Array;
  readonly valueLengths: Uint32Array;
}

/** What a scan fills record batches with, in either layout. */
export interface ScanBatchBuilder {
  /** Events waiting in the builder. */
  readonly length: number;
  /** True when the builder takes no more event. */
  readonly full: boolean;
  /**
   * Appends events `from ..` of `src` until the builder is full or its byte budget is
   * spent; returns the index of the first event not taken (`from` only when the builder
   * holds events and must be flushed first). `kept` says that `src.buffer` is the
   * caller's to keep (a builder may then point into it rather than copy it).
   */
  append(src: EventColumnsView, from: number, kept?: boolean): number;
  /** The events appended so far as a record batch (null when none); the builder starts anew. */
  flush(): RecordBatch | null;
}

/** Fills record batches of at most `rows` events and at most `bytes` bytes of values. */
export class RecordBatchBuilder implements ScanBatchBuilder {
  private n = 0;
  private ids: BigUint64Array;
  private keyOffsets: Int32Array;
  private valueOffsets: Int32Array;
  private keys: Uint8Array;
  private values: Uint8Array;
  private keyAt = 0;
  private valueAt = 0;

  /** Value and key bytes per event, as seen so far (guesses before the first batch). */
  private perValue = 64;
  private perKey = 8;
  /** Events, value and key bytes flushed so far. */
  private events = 0;
  private valueBytes = 0;
  private keyBytes = 0;

  /**
   * @param rows most events per record batch
   * @param bytes most value bytes per record batch (a single larger value gets a batch
   *   of its own)
   * @param reuse whether each record batch is valid only until the next {@link flush}
   *   (its buffers are then refilled) rather than its own
   */
  constructor(
    private readonly rows: number,
    private readonly bytes: number,
    private readonly reuse = false,
  ) {
    this.ids = new BigUint64Array(rows);
    this.keyOffsets = new Int32Array(rows + 1);
    this.valueOffsets = new Int32Array(rows + 1);
    this.keys = new Uint8Array(this.capacity(this.perKey));
    this.values = new Uint8Array(this.capacity(this.perValue));
  }

  /**
   * The size of the next value (or key) buffer: room for `rows` events of the size seen
   * so far and a quarter more, within `bytes`. A batch whose values outgrow it ends
   * early: the buffers are never grown by copying.
   */
  private capacity(perEvent: number): number {
    return Math.min(this.bytes, Math.ceil(this.rows * perEvent * 1.25) + 1024);
  }

  /** Events waiting in the builder. */
  get length(): number {
    return this.n;
  }

  /** True when the builder takes no more event. */
  get full(): boolean {
    return this.n === this.rows;
  }

  /**
   * Appends events `from ..` of `src` until the builder is full or its value buffer
   * would overflow; returns the index of the first event not taken (`src.length` when
   * all were).
   */
  append(src: EventColumnsView, from: number): number {
    const buf = src.buffer;
    const first = this.n;
    const end = Math.min(src.length, from + this.rows - this.n);
    if (end - from >= SPAN_MIN && this.appendSpan(src, from, end)) {
      this.ids.set(src.ids.subarray(from, end), first);
      return end;
    }
    const { keyLengths, valueLengths, keyOffsets: ko, valueOffsets: vo } = src;
    const from32 = viewOf(buf);
    let keys = this.keys;
    let values = this.values;
    let keyAt = this.keyAt;
    let valueAt = this.valueAt;
    let n = this.n;
    let i = from;
    for (; i < end; i++) {
      const klen = keyLengths[i]!;
      const vlen = valueLengths[i]!;
      if (valueAt + vlen > values.length) {
        if (n > 0) break;
        values = this.values = new Uint8Array(vlen); // a value larger than a whole batch
      }
      if (keyAt + klen > keys.length) {
        if (n > 0) break;
        keys = this.keys = new Uint8Array(klen);
      }
      if (klen > 0) keyAt = copyBytes(keys, this.keyView, keyAt, buf, from32, ko[i]!, klen);
      valueAt = copyBytes(values, this.valueView, valueAt, buf, from32, vo[i]!, vlen);
      n++;
      this.keyOffsets[n] = keyAt;
      this.valueOffsets[n] = valueAt;
    }
    this.keyAt = keyAt;
    this.valueAt = valueAt;
    this.n = n;
    this.ids.set(src.ids.subarray(from, i), first);
    return i;
  }

  /**
   * The fast way, when the values of events `from .. end` lie one after the other in
   * `src.buffer` (as in a region: each after its record's header and key) and their
   * whole span fits in the value buffer: one `set` of the span, then each value moved
   * down over the headers and keys before it with `copyWithin` (native, no allocation).
   * Returns false, having changed nothing, when that does not hold.
   */
  private appendSpan(src: EventColumnsView, from: number, end: number): boolean {
    const { keyLengths, valueLengths, keyOffsets: ko, valueOffsets: vo } = src;
    const start = vo[from]!;
    let keyBytes = keyLengths[from]!;
    let prevEnd = start + valueLengths[from]!;
    for (let i = from + 1; i < end; i++) {
      const v = vo[i]!;
      if (v < prevEnd) return false; // not in order: a memtable slab
      prevEnd = v + valueLengths[i]!;
      keyBytes += keyLengths[i]!;
    }
    const values = this.values;
    let valueAt = this.valueAt;
    if (valueAt + (prevEnd - start) > values.length || this.keyAt + keyBytes > this.keys.length) return false;
    const buf = src.buffer;
    values.set(buf.subarray(start, prevEnd), valueAt);
    const base = valueAt - start;
    const keys = this.keys;
    const keyView = this.keyView;
    const from32 = keyBytes > 0 ? viewOf(buf) : null;
    const keyOffsets = this.keyOffsets;
    const valueOffsets = this.valueOffsets;
    let keyAt = this.keyAt;
    let n = this.n;
    for (let i = from; i < end; i++) {
      const vlen = valueLengths[i]!;
      const at = base + vo[i]!;
      if (at !== valueAt && vlen > 0) values.copyWithin(valueAt, at, at + vlen);
      valueAt += vlen;
      const klen = keyLengths[i]!;
      if (klen > 0) keyAt = copyBytes(keys, keyView, keyAt, buf, from32!, ko[i]!, klen);
      n++;
      keyOffsets[n] = keyAt;
      valueOffsets[n] = valueAt;
    }
    this.valueAt = valueAt;
    this.keyAt = keyAt;
    this.n = n;
    return true;
  }

  /** A view of the value buffer for word copies (made anew when the buffer is). */
  private get valueView(): DataView {
    if (this.valueViewOf !== this.values) {
      this.valueViewOf = this.values;
      this.valueDv = viewOf(this.values);
    }
    return this.valueDv;
  }

  /** A view of the key buffer for word copies. */
  private get keyView(): DataView {
    if (this.keyViewOf !== this.keys) {
      this.keyViewOf = this.keys;
      this.keyDv = viewOf(this.keys);
    }
    return this.keyDv;
  }

  private valueViewOf: Uint8Array | null = null;
  private valueDv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private keyViewOf: Uint8Array | null = null;
  private keyDv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** The events appended so far as a record batch (null when none); the builder starts anew. */
  flush(): RecordBatch | null {
    const n = this.n;
    if (n === 0) return null;
    const id = makeData({ type: new Uint64(), length: n, nullCount: 0, data: this.ids.subarray(0, n) });
    const key = makeData({ type: new Binary(), length: n, nullCount: 0, valueOffsets: this.keyOffsets.subarray(0, n + 1), data: this.keys.subarray(0, this.keyAt) });
    const value = makeData({ type: new Binary(), length: n, nullCount: 0, valueOffsets: this.valueOffsets.subarray(0, n + 1), data: this.values.subarray(0, this.valueAt) });
    const struct = makeData({ type: new Struct(SCAN_SCHEMA.fields), length: n, nullCount: 0, children: [id, key, value] });
    const batch = new RecordBatch(SCAN_SCHEMA, struct);
    this.events += n;
    this.valueBytes += this.valueAt;
    this.keyBytes += this.keyAt;
    this.perValue = this.valueBytes / this.events;
    this.perKey = this.keyBytes / this.events;
    this.n = 0;
    if (this.reuse) {
      // refilled in place; a buffer that proved too small for the sizes seen is replaced
      if (this.keys.length < this.capacity(this.perKey)) this.keys = new Uint8Array(this.capacity(this.perKey));
      if (this.values.length < this.capacity(this.perValue)) this.values = new Uint8Array(this.capacity(this.perValue));
    } else {
      // the batch owns these buffers now: the next batch gets new ones
      this.ids = new BigUint64Array(this.rows);
      this.keyOffsets = new Int32Array(this.rows + 1);
      this.valueOffsets = new Int32Array(this.rows + 1);
      this.keys = new Uint8Array(this.capacity(this.perKey));
      this.values = new Uint8Array(this.capacity(this.perValue));
    }
    this.keyAt = 0;
    this.valueAt = 0;
    return batch;
  }
}

/** Fewer events than this are not worth the span's check. */
const SPAN_MIN = 8;
