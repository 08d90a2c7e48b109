/**
 * The pipeline as the database keeps it: loaded from and saved to the manifest table
 * `pipeline`, and checked when `ALTER PIPELINE` sets it.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { Manifest, PipelineRecord } from '../manifest/index.ts';
import type { PipelineTier, TierLimits } from './pipeline.ts';
import type { StorageRegistry } from './storage-registry.ts';

/** One tier as the operator gave it (`ALTER PIPELINE hot (size 10G), cold`), not yet checked. */
export interface TierSpec {
  readonly storage: string;
  /** The limits in the order given (sizes in bytes, durations in microseconds). */
  readonly limits: readonly { readonly name: keyof TierLimits; readonly value: bigint }[];
}

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

/** The manifest row of tier `t` (`SHOW PIPELINE` shows the same fields). */
export function tierRow(t: PipelineTier): PipelineRecord {
  return {
    storage: t.storage,
    partitions: t.limits.partitions ?? null,
    size: t.limits.size ?? null,
    events: t.limits.events ?? null,
    duration: t.limits.duration ?? null,
  };
}

/**
 * ALTER PIPELINE: checks the tiers (known storages, each once, each limit once, a limit
 * on every tier but the last, since nothing would ever leave a limitless tier) and
 * records them in `manifest`; returns the pipeline to keep in memory. An empty list is
 * `RESET`. Nothing changes when a check fails.
 * @throws StrataError `NOT_FOUND` for an unknown storage, `INVALID_INPUT` otherwise.
 */
export function savePipeline(manifest: Manifest, storages: StorageRegistry, tiers: readonly TierSpec[]): PipelineTier[] {
  const op = 'alter pipeline';
  const seen = new Set<string>();
  const next: PipelineTier[] = tiers.map((t) => {
    storages.get(op, t.storage);
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
  next.forEach((t, i) => {
    const after = next[i + 1];
    if (after !== undefined && Object.keys(t.limits).length === 0) {
      throw new StrataError(
        'INVALID_INPUT',
        `${op}: tier '${t.storage}' has no limit, so no partition would ever leave it for '${after.storage}'; ` +
          'give it a limit (partitions, size, events or duration) or make it the last tier',
      );
    }
  });
  manifest.setPipeline(next.map(tierRow));
  return next;
}
