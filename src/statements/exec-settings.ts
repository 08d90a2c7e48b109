/**
 * `SET`, `SHOW CONFIG`, `SHOW name[, name...]`.
 *
 * @module
 */
import type { StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import { type Config, checkSetting, isOpenOnly, isPersistent, isSetting, settingKind, settingScope } from '../engine/core/config.ts';
import { valueOfKind } from './options.ts';
import type { EngineContext } from '../engine/core/context.ts';
import { configView, settingValue } from './views.ts';

/** What `SET` answers: the value stored and when it takes effect. */
export interface SetResult {
  readonly name: string;
  readonly value: unknown;
  readonly applies: 'now' | 'at next open';
}

/**
 * SET name TO value: checks the value, stores it in the manifest, and applies it now
 * or at the next open, as the setting allows.
 * @throws StrataError `NOT_FOUND` (unknown setting), `INVALID_INPUT` (bad value, a
 *   setting that only a new database can choose, or one that only `Strata.open` takes).
 */
export function executeSet(ctx: EngineContext, s: StatementOf<'set'>): SetResult {
  if (!isSetting(s.name)) throw new StrataError('NOT_FOUND', `set: unknown setting '${s.name}'; SHOW CONFIG lists them`);
  if (isOpenOnly(s.name)) {
    throw new StrataError(
      'INVALID_INPUT',
      `set: ${s.name} is chosen by each open and never stored; pass it to Strata.open(dir, { ${s.name}: ... }) or to the console as --wal-recovery MODE (docs/wal-format.md)`,
    );
  }
  const value = checkSetting('set', s.name, valueOfKind('set', s.name, settingKind(s.name), s.value));
  const scope = settingScope(s.name);
  if (scope === 'create') {
    throw new StrataError('INVALID_INPUT', `set: ${s.name} is chosen when the database is created: give it to a new directory, strata DIR --set ${s.name}=VALUE or Strata.open(dir, { ${s.name} })`);
  }
  if (isPersistent(s.name)) ctx.manifest.setConfig(s.name, value);
  if (scope === 'open') return { name: s.name, value, applies: 'at next open' };
  if (s.name === 'ssn') ctx.serial.value = value as bigint;
  (ctx.config as unknown as Record<string, unknown>)[s.name] = value;
  return { name: s.name, value, applies: 'now' };
}

/** SHOW CONFIG [name] | SHOW ALL: every setting, or one. */
export function executeShowConfig(ctx: EngineContext, s: StatementOf<'show_config'>): Record<string, unknown> {
  if (s.name === null) return configView(ctx);
  return { [s.name]: settingValue(ctx, s.name) };
}

/** SHOW name[, name...]: the named settings. */
export function executeShowSettings(ctx: EngineContext, s: StatementOf<'show_settings'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of s.names) out[name] = settingValue(ctx, name as keyof Config);
  return out;
}
