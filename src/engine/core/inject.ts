/**
 * Named error-injection points: settings such as `error_move_after_copy` (off by
 * default, never persisted) that stop an operation between two steps of its
 * protocol, leaving the files and the manifest as a crash at that moment would. The
 * crash tests switch one on, let the process die, reopen and check the result.
 *
 * @module
 */
import { StrataError } from '../../errors.ts';
import type { injectionPoints } from './config.ts';
import type { EngineContext } from './context.ts';

/** The errors injection points throw. */
const injected = new WeakSet<object>();

/**
 * Throws `INTERNAL` when injection point `name` is switched on. Code that cleans up
 * after a failure must not clean up after this one ({@link isInjected}): it stands
 * for a crash.
 */
export function inject(ctx: EngineContext, name: (typeof injectionPoints)[number]): void {
  if (!ctx.config[name]) return;
  const e = new StrataError('INTERNAL', `${name}: error injection point reached`);
  injected.add(e);
  throw e;
}

/** Whether `e` was thrown by an injection point. */
export function isInjected(e: unknown): boolean {
  return typeof e === 'object' && e !== null && injected.has(e);
}
