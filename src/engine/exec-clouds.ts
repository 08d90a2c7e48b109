/**
 * `CREATE / ALTER / DROP CLOUD` and `SHOW CLOUDS / SHOW CLOUD`.
 *
 * @module
 */
import type { StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import type { EngineContext } from './context.ts';

/** CREATE CLOUD [IF NOT EXISTS] name (options). */
export function executeCreateCloud(ctx: EngineContext, s: StatementOf<'create_cloud'>): null {
  ctx.clouds.create('create cloud', s.name, s.options, s.ifNotExists);
  return null;
}

/** ALTER CLOUD [IF EXISTS] name SET (options). */
export function executeAlterCloudSet(ctx: EngineContext, s: StatementOf<'alter_cloud_set'>): null {
  const c = s.ifExists ? ctx.clouds.find(s.name) : ctx.clouds.get('alter cloud', s.name);
  if (c !== undefined) ctx.clouds.alter('alter cloud', c, s.options);
  return null;
}

/** ALTER CLOUD [IF EXISTS] name RENAME TO new. */
export function executeAlterCloudRename(ctx: EngineContext, s: StatementOf<'alter_cloud_rename'>): null {
  const c = s.ifExists ? ctx.clouds.find(s.name) : ctx.clouds.get('alter cloud', s.name);
  if (c !== undefined) ctx.clouds.rename('alter cloud', c, s.to);
  return null;
}

/** DROP CLOUD [IF EXISTS] name: refused while a storage uses it. */
export function executeDropCloud(ctx: EngineContext, s: StatementOf<'drop_cloud'>): null {
  const c = s.ifExists ? ctx.clouds.find(s.name) : ctx.clouds.get('drop cloud', s.name);
  if (c === undefined) return null;
  const users = ctx.storages.all().filter((st) => st.record.options.cloud === c.name).map((st) => st.name);
  if (users.length > 0) throw new StrataError('INVALID_INPUT', `drop cloud: storage ${users.map((u) => `'${u}'`).join(', ')} uses cloud '${c.name}'; change or drop it first`);
  ctx.clouds.drop(c);
  return null;
}

/** SHOW CLOUDS. */
export function executeShowClouds(ctx: EngineContext): Record<string, unknown>[] {
  return ctx.clouds.all().map((c) => ctx.clouds.view(c));
}

/** SHOW CLOUD name. */
export function executeShowCloud(ctx: EngineContext, s: StatementOf<'show_cloud'>): Record<string, unknown> {
  return ctx.clouds.view(ctx.clouds.get('show cloud', s.name));
}
