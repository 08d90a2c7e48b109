/**
 * The job module of the worker pool: every export is a job that
 * `WorkerPool.run(name, arg)` can call, inline or in a worker thread.
 *
 * @module
 */
import { type RefreshJob, type RefreshResult, runRefreshJob } from './refresh-job.ts';

/** Job `refresh`: merge a partition's file with frozen memtables into a new file. */
export function refresh(job: RefreshJob): RefreshResult {
  return runRefreshJob(job);
}
