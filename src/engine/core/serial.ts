/**
 * The serial number counter (`ssn`) kept as two u32 halves, so serial mode assigns
 * ids without allocating a BigInt per event.
 *
 * @module
 */
import { StrataError } from '../../errors.ts';
import { idHi, idJoin, idLo } from '../../codec/index.ts';

/** The last serial number handed out. */
export class SerialCounter {
  hi = 0;
  lo = 0;

  /** The counter as a bigint. */
  get value(): bigint {
    return idJoin(this.hi, this.lo);
  }

  set value(v: bigint) {
    this.hi = idHi(v);
    this.lo = idLo(v);
  }

  /** Raises the counter to `(hi, lo)` if that is above it (replay of serial writes). */
  raise(hi: number, lo: number): void {
    if (hi > this.hi || (hi === this.hi && lo > this.lo)) {
      this.hi = hi;
      this.lo = lo;
    }
  }

  /** Advances the counter by one. @throws StrataError `INVALID_INPUT` past 2^64-1. */
  step(): void {
    if (this.lo === 0xffffffff) {
      if (this.hi === 0xffffffff) throw new StrataError('INVALID_INPUT', 'write: serial numbers are exhausted (ssn is 2^64-1)');
      this.hi++;
      this.lo = 0;
    } else {
      this.lo++;
    }
  }
}
