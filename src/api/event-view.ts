/**
 * The event view: a cursor's reused window on its current event. Nothing is
 * allocated per event unless a getter that returns an object (`id`, `key`, `value`)
 * is called.
 *
 * @module
 */
import {
  RECORD_HEADER,
  REC_KEY_LEN,
  idJoin,
  recIdHi,
  recIdLo,
  recValueLen,
} from '../codec/index.ts';

/**
 * An event as the iterators of a cursor yield it. Its key and value are views into
 * memory of the iterator's that is never reused: the event may be kept after the loop
 * moves on (it keeps its batch's copied bytes alive).
 */
export interface StrataEvent {
  /** The id, an unsigned 64-bit integer. */
  readonly id: bigint;
  /** The key (empty when the event has none). */
  readonly key: Uint8Array;
  /** The value. */
  readonly value: Uint8Array;
}

/**
 * The current event of a cursor. The bytes are in `buffer` at the offsets given.
 * Validity: the view changes with the cursor, and the bytes it points to (and the
 * `key`/`value` views) are valid until the next move of the cursor or its close: the
 * cursor reuses its region buffers. Copy what you keep; never write into them.
 */
export class EventView {
  /** Buffer holding the current event's record. */
  buffer: Uint8Array = new Uint8Array(0);
  /** Offset of the current event's record in `buffer`. */
  offset = 0;

  /** High 32 bits of the id. */
  get idHi(): number {
    return recIdHi(this.buffer, this.offset);
  }

  /** Low 32 bits of the id. */
  get idLo(): number {
    return recIdLo(this.buffer, this.offset);
  }

  /** The id as a bigint (allocates). */
  get id(): bigint {
    return idJoin(this.idHi, this.idLo);
  }

  /** The id as a number: exact below 2^53, rounded above (use `id` there). */
  get idNumber(): number {
    return this.idHi * 4294967296 + this.idLo;
  }

  /** Offset of the key in `buffer`. */
  get keyOffset(): number {
    return this.offset + RECORD_HEADER;
  }

  /** Length of the key in bytes. */
  get keyLength(): number {
    return this.buffer[this.offset + REC_KEY_LEN]!;
  }

  /** Offset of the value in `buffer`. */
  get valueOffset(): number {
    return this.offset + RECORD_HEADER + this.buffer[this.offset + REC_KEY_LEN]!;
  }

  /** Length of the value in bytes. */
  get valueLength(): number {
    return recValueLen(this.buffer, this.offset);
  }

  /** The key as a view (allocates a view object, never copies). */
  get key(): Uint8Array {
    const o = this.keyOffset;
    return this.buffer.subarray(o, o + this.keyLength);
  }

  /** The value as a view (allocates a view object, never copies). */
  get value(): Uint8Array {
    const o = this.valueOffset;
    return this.buffer.subarray(o, o + this.valueLength);
  }

  /** An event object of the current event: views, not copies, valid as the view's bytes are. */
  toEvent(): StrataEvent {
    return { id: this.id, key: this.key, value: this.value };
  }
}
