/**
 * Entry of a pool worker thread: loads the job module named in `workerData` and
 * runs the jobs the pool sends, one at a time, answering with the result or the
 * error (a StrataError keeps its code and retryable flag across the thread).
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { JobRequest, JobResponse } from './protocol.ts';
import { serializeError } from './protocol.ts';

const port = parentPort;
if (port === null) throw new Error('worker-main: not started as a worker thread');
const jobs = (await import((workerData as { module: string }).module)) as Record<string, (arg: unknown) => unknown>;

port.on('message', (req: JobRequest) => {
  let res: JobResponse;
  try {
    const fn = jobs[req.fn];
    if (typeof fn !== 'function') throw new Error(`worker: no job named '${req.fn}'`);
    res = { id: req.id, ok: true, value: fn(req.arg) };
  } catch (e) {
    res = { id: req.id, ok: false, error: serializeError(e) };
  }
  port.postMessage(res);
});
