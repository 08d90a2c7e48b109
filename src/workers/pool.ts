/**
 * A pool of worker threads for CPU-heavy jobs (merge, compress, encrypt), so the
 * event loop stays free. The pool knows nothing of the jobs: they are the exported
 * functions of a module given by URL, called with one structured-cloneable argument.
 *
 * With `size 0` jobs run inline on the calling thread, which makes tests
 * deterministic; the call still returns a promise.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { StrataError } from '../errors.ts';
import { type JobRequest, type JobResponse, deserializeError } from './protocol.ts';

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of threads; 0 runs jobs inline. */
  readonly size: number;
  /** URL of the job module (its exports are the jobs). */
  readonly module: URL;
}

interface Pending {
  readonly req: JobRequest;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  job: Pending | undefined;
}

const bootstrap = new URL('./bootstrap.mjs', import.meta.url);
// `.ts` when run from the sources, `.js` in the build (dist/)
const workerMain = new URL(`./worker-main${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/** A fixed-size pool of worker threads running jobs of one module. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private inline: Promise<Record<string, (arg: unknown) => unknown>> | undefined;
  private nextId = 1;
  private closed = false;

  /** Threads start on the first job, so an open that runs no job pays nothing. */
  constructor(private readonly options: WorkerPoolOptions) {}

  /** Number of threads (0: inline). */
  get size(): number {
    return this.options.size;
  }

  /**
   * Runs job `fn` with `arg`. Rejects with the job's error (a StrataError keeps its
   * code) or with `CLOSED` once the pool is closed.
   */
  async run<T>(fn: string, arg: unknown): Promise<T> {
    if (this.closed) throw new StrataError('CLOSED', `worker pool: closed; job '${fn}' not run`);
    if (this.options.size === 0) {
      this.inline ??= import(this.options.module.href) as Promise<Record<string, (arg: unknown) => unknown>>;
      const jobs = await this.inline;
      const job = jobs[fn];
      if (typeof job !== 'function') throw new StrataError('INTERNAL', `worker pool: no job named '${fn}'`);
      return job(arg) as T;
    }
    while (this.slots.length < this.options.size) this.slots.push(this.spawn());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, fn, arg }, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Stops the threads once their current jobs end; queued jobs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new StrataError('CLOSED', `worker pool: closed; job '${p.req.fn}' not run`));
    for (const s of this.slots) {
      // a job still running is abandoned with its thread: its caller must not wait forever
      s.job?.reject(new StrataError('CLOSED', `worker pool: closed while job '${s.job.req.fn}' ran`));
      s.job = undefined;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(bootstrap, {
      workerData: { main: workerMain.href, module: this.options.module.href },
    });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (res: JobResponse) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (job !== undefined) {
        if (res.ok) job.resolve(res.value);
        else job.reject(deserializeError(res.error));
      }
      this.dispatch();
    });
    worker.on('error', (e) => {
      // the thread died: fail its job and replace it
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new StrataError('INTERNAL', `worker pool: a worker thread failed: ${e.message}`, { cause: e }));
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) {
        this.slots[i] = this.spawn();
        this.dispatch();
      }
    });
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== undefined) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      // a thread with a job keeps the process alive; an idle one does not
      slot.worker.ref();
      slot.worker.postMessage(job.req);
    }
  }
}
