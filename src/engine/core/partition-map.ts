/**
 * The partitions of a database, sorted by range, with the lookup the write path
 * uses for every event (a cached last hit, then a binary search), and the lookups by
 * name (a partition is named by its `min`), binary searches too.
 *
 * @module
 */
import { MAX_ID, compareIdParts } from '../../codec/index.ts';
import type { PartitionState } from './partition-state.ts';

/** Sorted, non-overlapping partitions. */
export class PartitionMap {
  private list: PartitionState[] = [];
  private last: PartitionState | undefined;

  /** All partitions in id order (do not mutate). */
  get all(): readonly PartitionState[] {
    return this.list;
  }

  /** The partition holding id `(hi, lo)`, or undefined. */
  find(hi: number, lo: number): PartitionState | undefined {
    const last = this.last;
    if (last !== undefined && last.contains(hi, lo)) return last;
    const i = this.firstEndingAtOrAfter(hi, lo);
    const p = this.list[i];
    if (p !== undefined && p.contains(hi, lo)) {
      this.last = p;
      return p;
    }
    return undefined;
  }

  /** Index of the first partition whose max >= `(hi, lo)`; `length` if none. */
  firstEndingAtOrAfter(hi: number, lo: number): number {
    const list = this.list;
    let a = 0;
    let b = list.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      const p = list[m]!;
      if (compareIdParts(p.maxHi, p.maxLo, hi, lo) < 0) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** The partition named `min` (its range starts there), or undefined. */
  byMin(min: bigint): PartitionState | undefined {
    const p = this.list[this.firstStartingAtOrAfter(min)];
    return p !== undefined && p.min === min ? p : undefined;
  }

  /** The partitions whose `min` falls in `[from, to]`, in order (a new array). */
  withMinIn(from: bigint, to: bigint): PartitionState[] {
    if (from > to) return [];
    return this.list.slice(this.firstStartingAtOrAfter(from), this.firstStartingAtOrAfter(to + 1n));
  }

  /** Index of the first partition whose min >= `min`; `length` if none. */
  private firstStartingAtOrAfter(min: bigint): number {
    const list = this.list;
    let a = 0;
    let b = list.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (list[m]!.min < min) a = m + 1;
      else b = m;
    }
    return a;
  }

  /**
   * The range a write of `id` creates: `interval` wide, aligned to multiples of
   * `interval`, clipped so it does not overlap its neighbours.
   * REQUIRES: no partition holds `id`.
   */
  rangeFor(id: bigint, interval: bigint): [bigint, bigint] {
    let min = id - (id % interval);
    let max = min + interval - 1n;
    if (max > MAX_ID) max = MAX_ID;
    for (const p of this.list) {
      if (p.max < id && p.max >= min) min = p.max + 1n;
      if (p.min > id && p.min <= max) max = p.min - 1n;
    }
    return [min, max];
  }

  /** Whether `[min, max]` overlaps a partition. */
  overlaps(min: bigint, max: bigint): PartitionState | undefined {
    return this.list.find((p) => p.min <= max && min <= p.max);
  }

  /** Adds a partition. REQUIRES: it overlaps none. */
  insert(p: PartitionState): void {
    this.list.splice(this.firstStartingAtOrAfter(p.min), 0, p);
  }

  /** Removes a partition. */
  remove(p: PartitionState): void {
    const i = this.list.indexOf(p);
    if (i >= 0) this.list.splice(i, 1);
    if (this.last === p) this.last = undefined;
  }
}
