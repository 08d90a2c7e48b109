/**
 * Events to Arrow record batches in the view layout: columns `id` (Uint64), `key` and
 * `value` (BinaryView), none nullable. Each cursor batch's bytes are copied once, as
 * one span (a region's records, headers included), into a buffer the record batch
 * owns; each key and value is then a 16-byte view into it (or, up to 12 bytes, held in
 * the view itself). No value is copied on its own, which is what makes this layout
 * fast: the Binary layout ({@link RecordBatchBuilder}) must move every value next to
 * the previous one.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { BinaryView, Field, RecordBatch, Schema, Struct, Uint64, makeData } from 'apache-arrow';
import type { EventColumnsView, ScanBatchBuilder } from './record-batches.ts';

/** The schema of every record batch a scan gives in the view layout. */
export const VIEW_SCHEMA = new Schema([
  new Field('id', new Uint64(), false),
  new Field('key', new BinaryView(), false),
  new Field('value', new BinaryView(), false),
]);

/** Bytes of a value held in its view rather than in a data buffer. */
const INLINE = 12;

/** Whether 32-bit words are stored little-endian here, as Arrow's views are. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Fills view-layout record batches of at most `rows` events and at most `bytes` bytes
 * of data buffers (a single larger span, one event's, gets a batch of its own).
 * Little-endian hosts only (see {@link LITTLE_ENDIAN}).
 */
export class ViewBatchBuilder implements ScanBatchBuilder {
  private n = 0;
  private ids: BigUint64Array;
  /** The key views, made when the batch's first key is (a batch without keys has none). */
  private keyViews: Int32Array | null = null;
  private valueViews: Int32Array;
  private keyBytes: Uint8Array = NO_DATA;
  private valueBytes: Uint8Array;
  /** The data buffers of the batch being filled, one per span. */
  private buffers: Uint8Array[] = [];
  private bufferBytes = 0;
  /** Whether a key of the batch lies in a data buffer (else the key column needs none). */
  private longKeys = false;

  /** In reuse mode, the key views kept from batch to batch, and views of empty keys. */
  private keyStore: Int32Array | null = null;
  private emptyKeys: Uint8Array | null = null;

  /**
   * @param rows most events per record batch
   * @param bytes most bytes of data buffers per record batch
   * @param reuse whether each record batch is valid only until the next {@link flush}
   *   (its ids and views are then overwritten) rather than its own
   */
  constructor(
    private readonly rows: number,
    private readonly bytes: number,
    private readonly reuse = false,
  ) {
    this.ids = new BigUint64Array(uninit(rows * 8).buffer);
    this.valueViews = new Int32Array(uninit(rows * 16).buffer);
    this.valueBytes = new Uint8Array(this.valueViews.buffer);
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
   * Appends events `from ..` of `src` until the builder is full or its data buffers
   * would pass `bytes`; returns the index of the first event not taken. `kept` says
   * that `src.buffer` is the caller's to keep (a decoded region the cursor gave away):
   * the record batch then points into it, and nothing is copied.
   */
  append(src: EventColumnsView, from: number, kept = false): number {
    const last = Math.min(src.length, from + this.rows - this.n);
    const buf = src.buffer;
    let end = last;
    let data = buf;
    let base = 0;
    let index = -1;
    if (kept) {
      if (this.n > 0 && this.bufferBytes + buf.length > this.bytes) return from;
    } else {
      const span = this.span(src, from, last);
      end = span.end;
      if (end === from) return from;
      if (span.hi > span.lo) {
        if (span.hi - span.lo <= 2 * span.used + 4096) {
          data = uninit(span.hi - span.lo);
          data.set(buf.subarray(span.lo, span.hi));
          base = span.lo;
        } else {
          // sparse (a memtable slab holding other events too): copy only what is used
          data = uninit(span.used);
          base = -1;
        }
      } else {
        data = NO_DATA; // every key and value fits in its view
      }
    }
    if (data !== NO_DATA) {
      index = this.buffers.length;
      this.buffers.push(data);
      this.bufferBytes += data.length;
    }
    const { keyLengths: kl, valueLengths: vl, keyOffsets: ko, valueOffsets: vo } = src;
    let keyViews = this.keyViews;
    const valueViews = this.valueViews;
    let packed = 0;
    const first = this.n;
    let j = first * 4;
    for (let i = from; i < end; i++, j += 4) {
      packed = putView(valueViews, this.valueBytes, j, buf, vo[i]!, vl[i]!, index, base, data, packed);
      const klen = kl[i]!;
      if (keyViews === null) {
        if (klen === 0) continue;
        keyViews = this.makeKeyViews(j);
      }
      if (klen > INLINE) this.longKeys = true;
      packed = putView(keyViews, this.keyBytes, j, buf, ko[i]!, klen, index, base, data, packed);
    }
    this.ids.set(src.ids.subarray(from, end), first);
    this.n = first + (end - from);
    return end;
  }

  /** Makes the batch's key views, the first `j / 4` of them empty keys. */
  private makeKeyViews(j: number): Int32Array {
    const views = this.keyStore ?? new Int32Array(uninit(this.rows * 16).buffer);
    if (this.reuse) this.keyStore = views;
    views.fill(0, 0, j);
    this.keyViews = views;
    this.keyBytes = new Uint8Array(views.buffer);
    return views;
  }

  /** Views of `n` empty keys: all zero. */
  private noKeys(n: number): Uint8Array {
    if (!this.reuse) return new Uint8Array(n * 16);
    this.emptyKeys ??= new Uint8Array(this.rows * 16);
    return this.emptyKeys.subarray(0, n * 16);
  }

  /**
   * How far from `from` (up to `last`) the events fit the bytes left, and the span of
   * `src.buffer` their out-of-view keys and values take (`hi <= lo` when none) and the
   * bytes those use. A first event larger than a whole batch is taken alone.
   */
  private span(src: EventColumnsView, from: number, last: number): { end: number; lo: number; hi: number; used: number } {
    const { keyLengths: kl, valueLengths: vl, keyOffsets: ko, valueOffsets: vo } = src;
    const room = this.bytes - this.bufferBytes;
    let lo = Infinity;
    let hi = 0;
    let used = 0;
    let end = from;
    for (; end < last; end++) {
      const klen = kl[end]!;
      const v = vo[end]!;
      const vlen = vl[end]!;
      let l = vlen > INLINE && v < lo ? v : lo;
      let h = vlen > INLINE && v + vlen > hi ? v + vlen : hi;
      if (klen > INLINE) {
        const k = ko[end]!;
        if (k < l) l = k;
        if (k + klen > h) h = k + klen;
      }
      const over = h > l && h - l > room;
      if (over && (end > from || this.n > 0)) break;
      lo = l;
      hi = h;
      used += (vlen > INLINE ? vlen : 0) + (klen > INLINE ? klen : 0);
      if (over) {
        end++;
        break; // one event larger than a whole batch: it goes alone
      }
    }
    return { end, lo, hi, used };
  }

  /** The events appended so far as a record batch (null when none); the builder starts anew. */
  flush(): RecordBatch | null {
    const n = this.n;
    if (n === 0) return null;
    const id = makeData({ type: new Uint64(), length: n, nullCount: 0, data: this.ids.subarray(0, n) });
    const key = makeData({
      type: new BinaryView(),
      length: n,
      nullCount: 0,
      // a batch without keys: views of empty keys, all zero (never written: not faulted in)
      views: this.keyViews === null ? this.noKeys(n) : this.keyBytes.subarray(0, n * 16),
      variadicBuffers: this.longKeys ? this.buffers : [],
    });
    const value = makeData({ type: new BinaryView(), length: n, nullCount: 0, views: this.valueBytes.subarray(0, n * 16), variadicBuffers: this.buffers });
    const struct = makeData({ type: new Struct(VIEW_SCHEMA.fields), length: n, nullCount: 0, children: [id, key, value] });
    const batch = new RecordBatch(VIEW_SCHEMA, struct);
    this.n = 0;
    this.keyViews = null;
    this.keyBytes = NO_DATA;
    if (!this.reuse) {
      // the batch owns these buffers now: the next batch gets new ones
      this.ids = new BigUint64Array(uninit(this.rows * 8).buffer);
      this.valueViews = new Int32Array(uninit(this.rows * 16).buffer);
      this.valueBytes = new Uint8Array(this.valueViews.buffer);
    }
    this.buffers = [];
    this.bufferBytes = 0;
    this.longKeys = false;
    return batch;
  }
}

/**
 * `n` bytes the caller overwrites before anyone reads them (every view and id is
 * written; a copied span is set whole): zeroing large buffers would cost more than
 * filling them.
 */
function uninit(n: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

/** A batch's data when no key or value lies outside its view. */
const NO_DATA = new Uint8Array(0);

/**
 * Writes at word `j` of `views` (`bytes` over the same memory) the view of the `len`
 * bytes at `off` in `buf`: held inline up to 12 bytes, else pointing into data buffer
 * `index`, where they lie at `off - base`, or (`base` < 0) where they are copied now,
 * at `packed` of `data`. Returns `packed`, advanced past a copy.
 */
function putView(views: Int32Array, bytes: Uint8Array, j: number, buf: Uint8Array, off: number, len: number, index: number, base: number, data: Uint8Array, packed: number): number {
  views[j] = len;
  if (len <= INLINE) {
    views[j + 1] = 0;
    views[j + 2] = 0;
    views[j + 3] = 0;
    if (len > 0) inline(bytes, j * 4 + 4, buf, off, len);
    return packed;
  }
  views[j + 1] = buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24);
  views[j + 2] = index;
  if (base >= 0) {
    views[j + 3] = off - base;
    return packed;
  }
  data.set(buf.subarray(off, off + len), packed);
  views[j + 3] = packed;
  return packed + len;
}

/** Copies `len` (<= 12) bytes of `src` at `from` into a view's inline bytes at `at`. */
function inline(views: Uint8Array, at: number, src: Uint8Array, from: number, len: number): void {
  for (let i = 0; i < len; i++) views[at + i] = src[from + i]!;
}
