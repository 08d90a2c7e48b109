/**
 * The background service (with `workers > 0`): refreshes partitions whose memtable
 * passes their storage's `refresh_wm`, and applies the pipeline by itself, after
 * every refresh and once a second. With `workers 0` nothing runs in the background:
 * statements do their work inline and tests are deterministic.
 *
 * @module
 */
import type { EngineContext } from './context.ts';
import { rebalance } from './exec-storages.ts';
import type { PartitionState } from './partition-state.ts';
import { refreshPartition } from './refresh.ts';

/** How often the pipeline is checked, in milliseconds. */
const REBALANCE_EVERY_MS = 1000;

/** Background refreshes and rebalances of one database. */
export class BackgroundService {
  private readonly jobs = new Set<Promise<void>>();
  private rebalancing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout | undefined;
  /** The last error of background work, if any (the work is retried later). */
  lastError: unknown;

  constructor(private readonly ctx: EngineContext) {
    if (ctx.config.workers > 0) {
      this.timer = setInterval(() => this.rebalance(), REBALANCE_EVERY_MS);
      this.timer.unref();
    }
  }

  private get active(): boolean {
    return !this.stopped && this.ctx.config.workers > 0;
  }

  /** Refreshes `p` in the background unless a refresh of it is already running. */
  refresh(p: PartitionState): void {
    if (!this.active || p.refreshing !== null) return;
    this.track(refreshPartition(this.ctx, p).then(() => this.rebalance()));
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
