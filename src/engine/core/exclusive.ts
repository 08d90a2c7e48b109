/**
 * One file operation at a time per partition: refreshes, moves, uploads, downloads
 * and copy drops of a partition run one after the other, while readers and writers
 * go on.
 *
 * @module
 */
import type { EngineContext } from './context.ts';
import type { PartitionState } from './partition-state.ts';

/** Runs `fn` once no other operation of `p` is in flight; `close()` waits for it. */
export async function exclusive<T>(ctx: EngineContext, p: PartitionState, fn: () => Promise<T>): Promise<T> {
  while (p.refreshing !== null) await p.refreshing.catch(() => undefined);
  const run = fn();
  // what waiters see: settles with `run`, never rejects (the caller gets the error)
  const done = run.then(
    () => undefined,
    () => undefined,
  );
  p.refreshing = done;
  ctx.inflight.add(done);
  try {
    return await run;
  } finally {
    p.refreshing = null;
    ctx.inflight.delete(done);
  }
}
