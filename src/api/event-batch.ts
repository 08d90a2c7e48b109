/**
 * The event batch: a cursor's reused columns of many events at once
 * (`cursor.nextBatch(n)`), for callers that want no object per event.
 *
 * A batch's keys and values lie in one buffer. Most often it is the region or memtable
 * slab the events were read from (no copy: a batch then ends where that buffer does);
 * when the events of a partition come from interleaved sources (a file and memtables
 * with writes inside the file's range), the runs of contiguous records are copied into
 * the batch's own buffer instead, so batches stay long.
 *
 * @module
 */
import { NO_BYTES } from '../partition/index.ts';

/** Which 32-bit word of a u64 holds the low half on this machine. */
const LO_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI_WORD = 1 - LO_WORD;
/** Runs up to this many bytes are copied byte by byte (a `subarray` costs more). */
const SHORT_RUN = 128;

/**
 * Columns of up to `capacity` events, refilled by each `nextBatch` of its cursor. Event
 * `i` (0 <= i < `length`) has the id `ids[i]` (also as `idHi[i]`, `idLo[i]`), the key
 * `buffer[keyOffsets[i] .. keyOffsets[i] + keyLengths[i])` and the value
 * `buffer[valueOffsets[i] .. valueOffsets[i] + valueLengths[i])`.
 *
 * Validity: the object, its columns and `buffer` are reused: everything in them is
 * valid until the next move of the cursor (`next`, `nextAsync`, `nextBatch`,
 * `nextBatchAsync`) or its close. Copy what you keep. The columns are longer than
 * `length`: read only the first `length` entries. Never write into `buffer`.
 */
export class EventBatch {
  /** Number of events in the batch. */
  length = 0;
  /** The buffer that holds the keys and values of the batch. */
  buffer: Uint8Array = NO_BYTES;
  /** Ids (reading an element makes a `bigint`). */
  ids = new BigUint64Array(0);
  /** High 32 bits of each id. */
  idHi = new Uint32Array(0);
  /** Low 32 bits of each id. */
  idLo = new Uint32Array(0);
  /** Offset of each key in `buffer`. */
  keyOffsets = new Uint32Array(0);
  /** Length of each key in bytes (0 when the event has none). */
  keyLengths = new Uint32Array(0);
  /** Offset of each value in `buffer`. */
  valueOffsets = new Uint32Array(0);
  /** Length of each value in bytes. */
  valueLengths = new Uint32Array(0);

  /** The 32-bit words of `ids`. */
  private words = new Uint32Array(0);
  /** The batch's own buffer, for events copied out of interleaved sources. */
  private data: Uint8Array = NO_BYTES;
  /** Set by {@link take} when it stopped at a record past the cursor's last id. */
  pastTo = false;
  /** Offset of the last record {@link take} took. */
  lastOff = 0;

  /** @internal the cursor makes it. */
  constructor() {}

  /** Number of events the columns hold. */
  get capacity(): number {
    return this.idHi.length;
  }

  /** @internal empties the batch and makes room for `max` events. */
  begin(max: number): void {
    this.length = 0;
    this.buffer = NO_BYTES;
    this.pastTo = false;
    if (this.idHi.length >= max) return;
    const n = Math.max(max, 2 * this.idHi.length);
    this.ids = new BigUint64Array(n);
    this.words = new Uint32Array(this.ids.buffer);
    this.idHi = new Uint32Array(n);
    this.idLo = new Uint32Array(n);
    this.keyOffsets = new Uint32Array(n);
    this.keyLengths = new Uint32Array(n);
    this.valueOffsets = new Uint32Array(n);
    this.valueLengths = new Uint32Array(n);
  }

  /**
   * @internal appends the records of `b` from `off` while `off < end`, the batch holds
   * fewer than `max` events and (when `checkTo`) ids are at most `(toHi, toLo)`; a
   * record's key and value offsets are its offsets in `b` plus `base`. Returns the
   * offset of the first record not taken (`end` when all were) and sets
   * {@link lastOff}; sets {@link pastTo} when it stopped at an id past the bound.
   */
  take(b: Uint8Array, off: number, end: number, max: number, base: number, checkTo: boolean, toHi: number, toLo: number): number {
    let n = this.length;
    const { idHi, idLo, words, keyOffsets, keyLengths, valueOffsets, valueLengths } = this;
    while (n < max && off < end) {
      const lo = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
      const hi = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
      if (checkTo && (hi > toHi || (hi === toHi && lo > toLo))) {
        this.pastTo = true;
        break;
      }
      const vlen = (b[off + 8]! | (b[off + 9]! << 8) | (b[off + 10]! << 16) | (b[off + 11]! << 24)) >>> 0;
      const klen = b[off + 12]!;
      idHi[n] = hi;
      idLo[n] = lo;
      words[2 * n + LO_WORD] = lo;
      words[2 * n + HI_WORD] = hi;
      const k = off + 14 + base;
      keyOffsets[n] = k;
      keyLengths[n] = klen;
      valueOffsets[n] = k + klen;
      valueLengths[n] = vlen;
      this.lastOff = off;
      off += 14 + klen + vlen;
      n++;
    }
    this.length = n;
    return off;
  }

  /**
   * @internal moves the offsets of events [from, length) by `delta` (their records
   * were copied elsewhere).
   */
  rebase(from: number, delta: number): void {
    const { keyOffsets, valueOffsets } = this;
    for (let i = from; i < this.length; i++) {
      keyOffsets[i] = keyOffsets[i]! + delta;
      valueOffsets[i] = valueOffsets[i]! + delta;
    }
  }

  /**
   * @internal copies `src[start, end)` into the batch's own buffer at `at` (growing it,
   * and keeping its first `at` bytes); returns `at + end - start`.
   */
  copy(src: Uint8Array, start: number, end: number, at: number): number {
    const n = end - start;
    if (this.data.length < at + n) {
      const grown = new Uint8Array(Math.max(at + n, 2 * this.data.length, 64 * 1024));
      grown.set(this.data.subarray(0, at));
      this.data = grown;
    }
    const d = this.data;
    if (n <= SHORT_RUN) for (let i = 0; i < n; i++) d[at + i] = src[start + i]!;
    else d.set(src.subarray(start, end), at);
    return at + n;
  }

  /** @internal the batch's own buffer (where {@link copy} puts records). */
  get own(): Uint8Array {
    return this.data;
  }
}
