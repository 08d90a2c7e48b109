/**
 * Named error-injection points: settings such as `error_move_after_copy` (off by
 * default, never persisted) that stop an operation between two steps of its
 * protocol, leaving the files and the manifest as a crash at that moment would. The
 * crash tests switch one on, let the process die, reopen and check the result.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { injectionPoints } from './config.ts';
import type { EngineContext } from './context.ts';

/** Throws `INTERNAL` when injection point `name` is switched on. */
export function inject(ctx: EngineContext, name: (typeof injectionPoints)[number]): void {
  if (ctx.config[name]) throw new StrataError('INTERNAL', `${name}: error injection point reached`);
}
