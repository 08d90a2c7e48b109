/**
 * The merge iterator: one sorted stream out of several sources of one partition
 * (its file, frozen memtables, the active memtable). On equal `(id, key)` the newest
 * source wins; delete markers hide the event and are not returned.
 *
 * @module
 */
import { FLAG_DELETE, REC_FLAGS, compareRecs } from '../codec/index.ts';
import { type EventSource, NO_BYTES } from './event-source.ts';

/** Merges sources given oldest first (later sources win on equal keys). */
export class MergeIterator implements EventSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  /** at[i] is 1 when source i is positioned on the current record. */
  private readonly at: Uint8Array;

  constructor(private readonly sources: readonly EventSource[]) {
    this.at = new Uint8Array(sources.length);
  }

  /** Set when a source stalled: the merge cannot know its smallest record until it resumes. */
  stalled = false;
  /** Where the last seek or step started from: a memtable that took writes during a stall seeks again from there. */
  private fromBuf: Uint8Array = NO_BYTES;
  private fromOff = 0;
  private fromStrict = true;

  seek(probe: Uint8Array, probeOff: number, strict: boolean): void {
    this.fromBuf = probe;
    this.fromOff = probeOff;
    this.fromStrict = strict;
    for (const s of this.sources) s.seek(probe, probeOff, strict);
    this.pick();
  }

  /**
   * Resumes the stalled sources, has the others catch up with writes made during the
   * stall (they seek again from where the stalled seek or step started), and picks again.
   */
  resume(): void {
    if (!this.stalled) return;
    for (const s of this.sources) {
      if (s.stalled) s.resume();
      else s.revalidate(this.fromBuf, this.fromOff, this.fromStrict);
    }
    this.pick();
  }

  /**
   * Moves past the current record. A memtable source that took writes since the
   * last step seeks again strictly after the current record instead of stepping
   * (its page position may be stale).
   */
  next(): void {
    const lastBuf = this.buf;
    const lastOff = this.off;
    this.fromBuf = lastBuf;
    this.fromOff = lastOff;
    this.fromStrict = true;
    const sources = this.sources;
    const at = this.at;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      if (!s.revalidate(lastBuf, lastOff) && at[i] === 1) s.next();
      at[i] = 0;
    }
    this.pick();
  }

  revalidate(last: Uint8Array, lastOff: number): boolean {
    let moved = false;
    for (const s of this.sources) if (s.revalidate(last, lastOff)) moved = true;
    if (moved) this.pick();
    return moved;
  }

  /** Moves every source that is on the current record. */
  private advance(): void {
    const sources = this.sources;
    const at = this.at;
    for (let i = 0; i < sources.length; i++) {
      if (at[i] === 1) sources[i]!.next();
      at[i] = 0;
    }
  }

  /** Finds the smallest record among the sources, skipping deleted events. */
  private pick(): void {
    const sources = this.sources;
    const n = sources.length;
    for (;;) {
      const at = this.at;
      this.stalled = false;
      let best = -1;
      let bbuf: Uint8Array = NO_BYTES;
      let boff = 0;
      for (let i = 0; i < n; i++) {
        const s = sources[i]!;
        at[i] = 0;
        if (!s.valid) {
          // a stalled source (not valid, not at its end) hides its next record: wait for it
          if (s.stalled) {
            this.stalled = true;
            this.valid = false;
            this.buf = NO_BYTES;
            return;
          }
          continue;
        }
        const c = best < 0 ? -1 : compareRecs(s.buf, s.off, bbuf, boff);
        if (c < 0) at.fill(0, 0, i); // a new smallest: the earlier ones are not on it
        if (c <= 0) {
          best = i; // on equal keys the newer source wins
          bbuf = s.buf;
          boff = s.off;
          at[i] = 1;
        }
      }
      if (best < 0) {
        this.valid = false;
        this.buf = NO_BYTES;
        return;
      }
      if ((bbuf[boff + REC_FLAGS]! & FLAG_DELETE) !== 0) {
        this.advance();
        continue;
      }
      this.valid = true;
      this.buf = bbuf;
      this.off = boff;
      return;
    }
  }
}
