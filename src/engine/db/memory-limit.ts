/**
 * Load shedding: with `mm_limit` on, a write that finds the memtables holding
 * `mm_limit_wm` bytes or more either fails fast (`mm_limit_behaviour 'error'`:
 * OVERLOADED, retryable) or waits while the partitions holding the most memory are
 * refreshed (`'block'`). Never a crash, never unbounded growth.
 *
 * @module
 */
import { StrataError } from '../../errors.ts';
import type { EngineContext } from '../core/context.ts';
import { refreshPartition } from '../lifecycle/refresh.ts';

/** Whether a write must be held back now. */
export function overLimit(ctx: EngineContext): boolean {
  return ctx.config.mm_limit && ctx.memory.bytes >= ctx.config.mm_limit_wm;
}

function overloaded(ctx: EngineContext): StrataError {
  return new StrataError(
    'OVERLOADED',
    `write: memory limit reached (${ctx.memory.bytes} bytes in memtables, mm_limit_wm ${ctx.config.mm_limit_wm}); retry once refreshes free memory, or raise mm_limit_wm`,
    { retryable: true },
  );
}

/**
 * Frees memory for a write: throws OVERLOADED with behaviour `error`; otherwise
 * refreshes the partitions holding the most memory until usage is under the limit.
 * @throws StrataError `OVERLOADED` also when nothing is left to refresh.
 */
export async function relieveMemory(ctx: EngineContext): Promise<void> {
  if (ctx.config.mm_limit_behaviour === 'error') throw overloaded(ctx);
  while (overLimit(ctx)) {
    let biggest = ctx.partitions.all[0];
    for (const p of ctx.partitions.all) if (p.bytesInMemory > (biggest?.bytesInMemory ?? 0)) biggest = p;
    if (biggest === undefined || biggest.bytesInMemory === 0) throw overloaded(ctx);
    const before = ctx.memory.bytes;
    await refreshPartition(ctx, biggest);
    if (ctx.memory.bytes >= before) throw overloaded(ctx);
  }
}
