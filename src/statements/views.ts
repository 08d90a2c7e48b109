/**
 * The views `SHOW` answers with: plain data, field names stable (docs/sql/), u64
 * values as bigint, secrets never included.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { type Config, isSetting, settingNames } from '../engine/core/config.ts';
import type { EngineContext } from '../engine/core/context.ts';
import type { PartitionState } from '../engine/core/partition-state.ts';
import { tierRow } from '../tiering/index.ts';

/** The value of every setting, `ssn` at its current value. */
export function configView(ctx: EngineContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of settingNames) out[name] = settingValue(ctx, name);
  return out;
}

/** The current value of setting `name`. @throws StrataError `NOT_FOUND`. */
export function settingValue(ctx: EngineContext, name: string): unknown {
  if (!isSetting(name)) throw new StrataError('NOT_FOUND', `show: unknown setting '${name}'; SHOW CONFIG lists them`);
  return name === 'ssn' ? ctx.serial.value : ctx.config[name as keyof Config];
}

/** A storage as `SHOW STORAGE` describes it: its settings and its statistics. */
export interface StorageView {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly stats: {
    readonly partitions: number;
    readonly partitions_local: number;
    readonly partitions_cloud: number;
    readonly events: number;
    readonly events_heap: number;
    readonly size: number;
    readonly size_uncompressed: number;
    readonly size_heap: number;
    readonly min: bigint | null;
    readonly max: bigint | null;
  };
}

/** The view of the storage named `name`. @throws StrataError `NOT_FOUND`. */
export function storageView(ctx: EngineContext, name: string): StorageView {
  const s = ctx.storages.get('show storage', name);
  return { name: s.name, config: s.view(ctx.config), stats: storageStats(ctx.partitions.all.filter((p) => p.record.storage === s.name)) };
}

/** The `SHOW STORAGES` view. */
export function storagesView(ctx: EngineContext): StorageView[] {
  return ctx.storages.all().map((s) => storageView(ctx, s.name));
}

function storageStats(parts: readonly PartitionState[]): StorageView['stats'] {
  let events = 0;
  let heap = 0;
  let size = 0;
  let raw = 0;
  let sizeHeap = 0;
  let local = 0;
  let cloud = 0;
  for (const p of parts) {
    events += p.record.events;
    heap += p.eventsInMemory;
    size += p.record.size;
    raw += p.record.sizeUncompressed;
    sizeHeap += p.bytesInMemory;
    if (p.record.file !== 0 && p.record.onStorage) local++;
    if (p.record.file !== 0 && p.record.onCloud) cloud++;
  }
  return {
    partitions: parts.length,
    partitions_local: local,
    partitions_cloud: cloud,
    events,
    events_heap: heap,
    size,
    size_uncompressed: raw,
    size_heap: sizeHeap,
    min: parts[0]?.min ?? null,
    max: parts.at(-1)?.max ?? null,
  };
}

/** The `SHOW MEMORY` view. */
export function memoryView(ctx: EngineContext): Record<string, unknown> {
  let inMemory = 0;
  let events = 0;
  for (const p of ctx.partitions.all) {
    const n = p.eventsInMemory;
    events += n;
    if (n > 0) inMemory++;
  }
  const a = ctx.arena.stats();
  return {
    used: ctx.memory.bytes,
    events,
    partitions: inMemory,
    limit: ctx.config.mm_limit,
    limit_wm: ctx.config.mm_limit_wm,
    limit_behaviour: ctx.config.mm_limit_behaviour,
    cache: ctx.config.mm_cache,
    arena_used: a.slabsUsed,
    arena_free: a.slabsFree,
    arena_allocated: a.slabsAllocated,
    pages_used: a.pagesUsed,
    pages_free: a.pagesFree,
    pages_allocated: a.pagesAllocated,
  };
}

/** The `SHOW WAL` view. */
export function walView(ctx: EngineContext): Record<string, unknown> {
  const s = ctx.wal?.stats();
  return {
    enabled: ctx.wal !== null,
    segments: s?.segments ?? 0,
    size: s?.bytes ?? 0,
    first_lsn: s?.firstLsn ?? 0n,
    last_lsn: s?.lastLsn ?? 0n,
    sync_on_write: ctx.config.wal_sync_on_write,
    sync_on_rotate: ctx.config.wal_sync_on_rotate,
    crc: ctx.config.wal_crc,
    rotate_wm: ctx.config.wal_rotate_wm,
  };
}

/** The `SHOW PIPELINE` view: one entry per tier, limits in bytes and microseconds. */
export function pipelineView(ctx: EngineContext): Record<string, unknown>[] {
  return ctx.pipeline.map((t) => ({ ...tierRow(t) }));
}
