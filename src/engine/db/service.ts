/**
 * The background service (with `workers > 0`): refreshes partitions that the write
 * path asks for (writes moved past them: rollover.ts; or their memtable passed their
 * storage's `refresh_wm`); once a second refreshes partitions that hold
 * events in memory but took no write since the previous second (writes have moved on
 * to newer partitions: their memtables would otherwise pin memory and WAL segments
 * for good); applies the pipeline by itself, after every refresh and once a second;
 * uploads the files of cloud storages that are only local (`workers_upload` at a
 * time, a failing partition backing off); and retries the cloud deletions that failed
 * (cloud-deletes.ts, one pass at a time, each endpoint backing off). With `workers 0`
 * nothing runs in the background: statements do their work inline and tests are
 * deterministic.
 *
 * @module
 */
import type { EngineContext } from '../core/context.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { refreshPartition } from '../lifecycle/refresh.ts';
import { uploadPartition, wantsUpload } from '../lifecycle/cloud-transfer.ts';
import { retryDeletes } from '../cloud/cloud-deletes.ts';
import { rebalance } from '../lifecycle/rebalance.ts';

/** How often idle memtables and the pipeline are checked, in milliseconds. */
const TICK_MS = 1000;

/** Background refreshes and rebalances of one database. */
export class BackgroundService {
  private readonly jobs = new Set<Promise<void>>();
  private rebalancing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Each partition's memtable version at the previous tick. */
  private seen = new WeakMap<PartitionState, number>();
  /** The last error of background work, if any (the work is retried later). */
  lastError: unknown;

  /** Partitions whose refresh was asked for while an operation of theirs ran. */
  private readonly waiting = new Set<PartitionState>();

  /** Partitions being uploaded in the background. */
  private readonly uploading = new Set<PartitionState>();
  /** Whether a pass of the deletion retrier runs. */
  private retrying = false;
  /** Whether a pass of the live listings' writer runs. */
  private listing = false;

  constructor(private readonly ctx: EngineContext) {
    if (ctx.config.workers > 0) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  private get active(): boolean {
    return !this.stopped && this.ctx.config.workers > 0;
  }

  /**
   * Once a second: refresh idle memtables, apply the pipeline, upload what waits for its
   * cloud, retry failed deletions, write the live listings a failure left behind.
   */
  private tick(): void {
    this.upload();
    this.retryDeletes();
    this.writeListings();
    const seen = new WeakMap<PartitionState, number>();
    for (const p of this.ctx.partitions.all) {
      const v = p.active.version;
      if (p.active.count > 0 && this.seen.get(p) === v) this.refresh(p);
      seen.set(p, v);
    }
    this.seen = seen;
    this.rebalance();
  }

  /**
   * Refreshes `p` in the background. While an operation of `p` runs, the request
   * waits for it (one waiting request per partition), then refreshes what `p` holds in
   * memory by then.
   */
  refresh(p: PartitionState): void {
    if (!this.active) return;
    if (p.refreshing !== null) {
      if (this.waiting.has(p)) return;
      this.waiting.add(p);
      void p.refreshing.then(() => {
        this.waiting.delete(p);
        this.refresh(p);
      });
      return;
    }
    this.track(
      refreshPartition(this.ctx, p).then(() => {
        this.rebalance();
        this.upload();
      }),
    );
  }

  /** Applies the pipeline in the background (coalescing requests). */
  rebalance(): void {
    if (!this.active || this.ctx.pipeline.length === 0) return;
    if (this.rebalancing !== null) {
      this.again = true;
      return;
    }
    const run = (async () => {
      do {
        this.again = false;
        await rebalance(this.ctx);
      } while (this.again && this.active);
    })();
    this.rebalancing = run;
    this.track(run.finally(() => (this.rebalancing = null)));
  }

  /**
   * Uploads, in the background, the partitions of cloud storages whose file is only
   * local (at most `workers_upload` at a time; a partition whose upload failed waits
   * for its backoff).
   */
  upload(): void {
    const limit = this.ctx.config.workers_upload;
    if (!this.active || limit === 0) return;
    for (const p of this.ctx.partitions.all) {
      if (this.uploading.size >= limit) return;
      if (this.uploading.has(p) || !wantsUpload(this.ctx, p)) continue;
      this.uploading.add(p);
      this.track(
        uploadPartition(this.ctx, p, 'upload', true, false).finally(() => {
          this.uploading.delete(p);
          this.upload();
        }),
      );
    }
  }

  /** Retries the cloud deletions that failed and whose backoff has passed (one pass at a time). */
  private retryDeletes(): void {
    if (!this.active || this.retrying || this.ctx.failedDeletes.size === 0) return;
    this.retrying = true;
    this.track(retryDeletes(this.ctx, () => this.active).finally(() => (this.retrying = false)));
  }

  /** Writes the live listings whose last write failed (one pass at a time; a failure stays for the next tick). */
  private writeListings(): void {
    if (!this.active || this.listing || !this.ctx.listings.dirty) return;
    this.listing = true;
    this.track(this.ctx.listings.flush(this.ctx).finally(() => (this.listing = false)));
  }

  /** Stops starting work and waits for the work in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  private track(job: Promise<unknown>): void {
    const p = job.then(
      () => undefined,
      (e: unknown) => {
        this.lastError = e;
      },
    );
    this.jobs.add(p);
    void p.finally(() => this.jobs.delete(p));
  }
}
