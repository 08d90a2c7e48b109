/**
 * `CREATE / ALTER / DROP CLOUD` and `SHOW CLOUDS / SHOW CLOUD`.
 *
 * @module
 */
import type { StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import { cloudOf } from '../engine/cloud/cloud-objects.ts';
import type { EngineContext } from '../engine/core/context.ts';
import { cloudOptions } from './options.ts';

/** CREATE CLOUD [IF NOT EXISTS] name (options). */
export function executeCreateCloud(ctx: EngineContext, s: StatementOf<'create_cloud'>): null {
  // IF NOT EXISTS of a cloud that exists: nothing, its options unchecked
  if (s.ifNotExists && ctx.clouds.find(s.name) !== undefined) return null;
  ctx.clouds.create('create cloud', s.name, cloudOptions('create cloud', s.options), s.ifNotExists);
  return null;
}

/** ALTER CLOUD [IF EXISTS] name SET (options). */
export function executeAlterCloudSet(ctx: EngineContext, s: StatementOf<'alter_cloud_set'>): null {
  const op = 'alter cloud';
  const c = s.ifExists ? ctx.clouds.find(s.name) : ctx.clouds.get(op, s.name);
  if (c === undefined) return null;
  const options = cloudOptions(op, s.options);
  const next = ctx.clouds.check(op, c, options);
  if (next.bucket !== c.options.bucket) {
    const users = new Set(ctx.storages.all().filter((st) => st.record.options.cloud === c.name).map((st) => st.name));
    const moving = new Set(ctx.operations.list().filter((op) => users.has(op.destination)).map((op) => op.partition));
    const n = ctx.partitions.all.filter((p) => (users.has(p.record.storage) && (p.record.onCloud || p.refreshing !== null)) || moving.has(p.min)).length;
    if (n > 0) throw new StrataError('INVALID_INPUT', `${op}: ${n} partition(s) are in the bucket of cloud '${c.name}' or in transfer; its bucket can change only when none is (DOWNLOAD PARTITIONS, then DROP PARTITIONS ... ON CLOUD)`);
  }
  ctx.clouds.alter(op, c, options);
  // clients reopen with the new options
  ctx.links.forget(c.name);
  renewRemotes(ctx, c.name);
  return null;
}

/** ALTER CLOUD [IF EXISTS] name RENAME TO new. */
export function executeAlterCloudRename(ctx: EngineContext, s: StatementOf<'alter_cloud_rename'>): null {
  const c = s.ifExists ? ctx.clouds.find(s.name) : ctx.clouds.get('alter cloud', s.name);
  if (c === undefined) return null;
  ctx.manifest.transaction(() => {
    ctx.clouds.rename('alter cloud', c, s.to);
    ctx.storages.renameCloud(c.name, s.to);
    ctx.manifest.renameCloudDeletes(c.name, s.to);
  });
  ctx.storages.describeAll();
  ctx.links.forget(c.name, s.to);
  renewRemotes(ctx, s.to);
  return null;
}

/**
 * Has the objects of cloud `name`'s partitions read through its new clients. The
 * objects stay the same instances: their readers' references and pending deletions
 * must not split between an old and a new one.
 */
function renewRemotes(ctx: EngineContext, name: string): void {
  for (const p of ctx.partitions.all) {
    const storage = ctx.storages.find(p.record.storage);
    if (p.remote === null || storage === undefined || storage.record.options.cloud !== name) continue;
    const link = cloudOf(ctx, storage);
    if (link !== null) p.remote.relink(link);
  }
}

/** DROP CLOUD [IF EXISTS] name: refused while a storage uses it. */
export function executeDropCloud(ctx: EngineContext, s: StatementOf<'drop_cloud'>): null {
  const c = s.ifExists ? ctx.clouds.find(s.name) : ctx.clouds.get('drop cloud', s.name);
  if (c === undefined) return null;
  const users = ctx.storages.all().filter((st) => st.record.options.cloud === c.name).map((st) => st.name);
  if (users.length > 0) throw new StrataError('INVALID_INPUT', `drop cloud: storage ${users.map((u) => `'${u}'`).join(', ')} uses cloud '${c.name}'; change or drop it first`);
  ctx.clouds.drop(c);
  ctx.links.forget(c.name);
  return null;
}

/** SHOW CLOUDS. */
export function executeShowClouds(ctx: EngineContext): Record<string, unknown>[] {
  return ctx.clouds.all().map((c) => ctx.clouds.view(c));
}

/** SHOW CLOUD name: its options, the storages that use it and the requests made to it since open. */
export function executeShowCloud(ctx: EngineContext, s: StatementOf<'show_cloud'>): Record<string, unknown> {
  const c = ctx.clouds.get('show cloud', s.name);
  const storages = ctx.storages.all().filter((st) => st.record.options.cloud === c.name).map((st) => st.name);
  return { ...ctx.clouds.view(c), storages, requests: ctx.links.stats(c.name), failures: ctx.links.failures(c.name) };
}
