/**
 * The pipeline as the engine keeps it: loaded from and saved to the manifest, and
 * set by `ALTER PIPELINE`.
 *
 * @module
 */
import type { Tier } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import type { Manifest, PipelineRecord } from '../manifest/index.ts';
import type { PipelineTier, TierLimits } from '../tiering/index.ts';
import type { EngineContext } from './core/context.ts';

/** The pipeline recorded in `manifest`. */
export function loadPipeline(manifest: Manifest): PipelineTier[] {
  return manifest.getPipeline().map(fromRecord);
}

function fromRecord(r: PipelineRecord): PipelineTier {
  const limits: { -readonly [K in keyof TierLimits]: TierLimits[K] } = {};
  if (r.partitions !== null) limits.partitions = r.partitions;
  if (r.size !== null) limits.size = r.size;
  if (r.events !== null) limits.events = r.events;
  if (r.duration !== null) limits.duration = r.duration;
  return { storage: r.storage, limits };
}

function toRecord(t: PipelineTier): PipelineRecord {
  return {
    storage: t.storage,
    partitions: t.limits.partitions ?? null,
    size: t.limits.size ?? null,
    events: t.limits.events ?? null,
    duration: t.limits.duration ?? null,
  };
}

/**
 * ALTER PIPELINE: checks the tiers (known storages, each once, each limit once) and
 * records them; an empty list is `RESET`.
 * @throws StrataError `NOT_FOUND` for an unknown storage, `INVALID_INPUT` otherwise.
 */
export function setPipeline(ctx: EngineContext, tiers: readonly Tier[]): void {
  const op = 'alter pipeline';
  const seen = new Set<string>();
  const next: PipelineTier[] = tiers.map((t) => {
    ctx.storages.get(op, t.storage);
    if (seen.has(t.storage)) throw new StrataError('INVALID_INPUT', `${op}: storage '${t.storage}' is given twice; a storage is one tier`);
    seen.add(t.storage);
    const limits: { -readonly [K in keyof TierLimits]: TierLimits[K] } = {};
    for (const l of t.limits) {
      if (limits[l.name] !== undefined) throw new StrataError('INVALID_INPUT', `${op}: limit ${l.name} of tier '${t.storage}' is given twice`);
      if (l.name === 'duration') limits.duration = l.value;
      else if (l.value > BigInt(Number.MAX_SAFE_INTEGER)) throw new StrataError('INVALID_INPUT', `${op}: limit ${l.name} ${l.value} is too large`);
      else limits[l.name] = Number(l.value);
    }
    return { storage: t.storage, limits };
  });
  ctx.manifest.setPipeline(next.map(toRecord));
  ctx.pipeline = next;
}

/** The `SHOW PIPELINE` view: one entry per tier, limits in bytes and microseconds. */
export function pipelineView(ctx: EngineContext): Record<string, unknown>[] {
  return ctx.pipeline.map((t) => ({ ...toRecord(t) }));
}
