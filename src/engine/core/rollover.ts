/**
 * Refresh at rollover: a partition is refreshed once writes have moved past it, as
 * monotone refreshes a partition when the write path starts the next one. With ids
 * written in order (serial ids, times) each partition is then written about once,
 * when it is complete, instead of at every `refresh_wm` of its memtable.
 *
 * The rule, applied by the write path after each whole batch (never in the middle of
 * one: a WAL record's events of one partition must all go into one memtable):
 *
 * - the **head** is the partition with the highest range that writes have reached
 *   since the database opened;
 * - when a batch writes into a partition above the head, the writes have **moved
 *   past** the head and past every partition of that batch below the new head: they
 *   are noted, and the new partition becomes the head;
 * - a noted partition that the batch did not write to is refreshed in the background
 *   (if its active memtable holds events); one the batch wrote to waits for the first
 *   batch that leaves it alone.
 *
 * Writes that go back to an older partition (late events, random ids) move the head
 * nowhere: they cause no refresh here, so a workload that writes all over its
 * partitions never turns into a refresh per batch; `refresh_wm` and the idle refresh
 * of the background service (service.ts) bound those memtables. Each partition is
 * noted at most once per time the head passes it, so rollover refreshes are bounded
 * by the partitions writes reach.
 *
 * @module
 */
import type { PartitionState } from './partition-state.ts';

/** The write head of one database, and the partitions it has passed. */
export class Rollover {
  private head: PartitionState | null = null;
  /** Partitions passed by the head, waiting for a batch that does not write to them. */
  private readonly passed = new Set<PartitionState>();
  /** The number of the current batch (PartitionState.lastBatch compares with it). */
  private batch = 0;

  /**
   * Applies the rule after a batch: `touched[0, n)` are the partitions the batch wrote
   * to, in order (a partition may repeat). Calls `refresh` for each partition that
   * writes have moved past and that the batch left alone while it holds events in its
   * active memtable. Allocates nothing per event.
   */
  afterBatch(touched: readonly (PartitionState | undefined)[], n: number, refresh: (p: PartitionState) => void): void {
    const stamp = ++this.batch;
    let top: PartitionState | null = null;
    for (let i = 0; i < n; i++) {
      const p = touched[i]!;
      p.lastBatch = stamp;
      if (top === null || p.min > top.min) top = p;
    }
    if (top === null) return;
    const head = this.head;
    if (head === null || head.dropped) {
      this.head = top;
    } else if (top.min > head.min) {
      // the writes moved past the head, and past what this batch wrote below the new head
      this.passed.add(head);
      for (let i = 0; i < n; i++) {
        const p = touched[i]!;
        if (p.min < top.min) this.passed.add(p);
      }
      this.head = top;
    }
    for (const p of this.passed) {
      if (p.lastBatch === stamp && !p.dropped && p !== this.head) continue; // still written to: wait
      this.passed.delete(p);
      if (!p.dropped && p !== this.head && p.active.count > 0) refresh(p);
    }
  }
}
