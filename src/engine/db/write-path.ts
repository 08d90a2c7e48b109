/**
 * The write path: validate a batch, copy it into the arena once, assign serial ids
 * and partitions, append it to the WAL, then insert every event into its
 * partition's memtable. Nothing is allocated per event.
 *
 * Atomicity: everything that can fail on bad input or I/O (validation, partition
 * creation, the WAL append) happens before the first memtable insert.
 *
 * @module
 */
import {
  BATCH_HEADER,
  FLAG_SERIAL,
  REC_FLAGS,
  recIdHi,
  recIdLo,
  recSetId,
  recSize,
  validateBatch,
} from '../../codec/index.ts';
import { StrataError } from '../../errors.ts';
import { WAL_BATCH } from '../../wal/index.ts';
import type { EngineContext } from '../core/context.ts';
import { forgetEmptyPartitions, partitionFor } from '../lifecycle/partition-create.ts';
import type { PartitionState } from '../core/partition-state.ts';

/** What a write did. */
export interface WriteResult {
  /** Events (inserts and deletes) in the batch. */
  readonly events: number;
  /**
   * Ids assigned in serial mode: the batch's serial events got `first`, `first + 1`,
   * ... `first + count - 1`, in batch order. Absent when the batch had none.
   */
  readonly serial?: { readonly first: bigint; readonly count: number };
  /** WAL sequence number of the batch (0 with the WAL off). */
  readonly lsn: bigint;
}

/** Reused per-record partition slots (grown as needed, never shrunk). */
let slots: (PartitionState | undefined)[] = [];
/** Reused list of the partitions a batch went into, in order (a partition may repeat). */
const touched: (PartitionState | undefined)[] = [];

/**
 * Applies the batch `bytes` (binary format v1). Synchronous: when it returns, the
 * WAL record is written (not yet synced) and the events are readable.
 * @throws StrataError `INVALID_INPUT` (nothing written) or `IO` (nothing applied).
 */
export function applyBatch(ctx: EngineContext, bytes: Uint8Array): WriteResult {
  const info = validateBatch(bytes);
  if (info.count === 0) return { events: 0, lsn: 0n };
  if (info.serials > 0 && !ctx.config.serial) {
    throw new StrataError('INVALID_INPUT', 'write: the batch asks for serial ids but serial mode is off; give ids or SET serial TO true');
  }
  const { slab, off: start } = ctx.arena.copy(bytes, BATCH_HEADER, bytes.length);
  const end = start + bytes.length - BATCH_HEADER;
  const serial = ctx.serial;
  const saveHi = serial.hi;
  const saveLo = serial.lo;
  if (slots.length < info.count) slots = new Array<PartitionState | undefined>(info.count);
  const created: PartitionState[] = [];
  // on failure: the serial number and the partition set are as before
  const undo = (): void => {
    serial.hi = saveHi;
    serial.lo = saveLo;
    slots.fill(undefined, 0, info.count);
    forgetEmptyPartitions(ctx, created);
  };
  try {
    // pass 1: serial ids and partitions (creating them is harmless if we fail later)
    let p: PartitionState | undefined;
    for (let off = start, i = 0; off < end; off += recSize(slab, off), i++) {
      if ((slab[off + REC_FLAGS]! & FLAG_SERIAL) !== 0) {
        serial.step();
        recSetId(slab, off, serial.hi, serial.lo);
      }
      const hi = recIdHi(slab, off);
      const lo = recIdLo(slab, off);
      if (p === undefined || !p.contains(hi, lo)) p = partitionFor(ctx, hi, lo, created);
      slots[i] = p;
    }
  } catch (e) {
    undo();
    throw e;
  }
  let lsn = 0n;
  if (ctx.wal !== null) {
    try {
      lsn = ctx.wal.append(WAL_BATCH, slab.subarray(start, end), info.count);
    } catch (e) {
      undo();
      throw e;
    }
  }
  // pass 2: memtables. Nothing may freeze a memtable until the whole batch is in:
  // replay skips a WAL record for a partition whose file holds its lsn, so the record's
  // events of one partition must all go into the same memtable
  const lsnN = Number(lsn);
  let last: PartitionState | undefined;
  let nTouched = 0;
  for (let off = start, i = 0; off < end; off += recSize(slab, off), i++) {
    const p = slots[i]!;
    slots[i] = undefined;
    if (p !== last) {
      last = p;
      touched[nTouched++] = p;
      if (lsnN !== 0) p.active.noteLsn(lsnN);
    }
    p.active.insert(slab, off);
  }
  // then the background refreshes the batch calls for (a partition may be listed
  // twice): memtables past their watermark, and partitions the writes moved past
  for (let i = 0; i < nTouched; i++) afterInsert(ctx, touched[i]!);
  ctx.rollover.afterBatch(touched, nTouched, ctx.scheduleRefresh);
  touched.fill(undefined, 0, nTouched);
  if (created.length > 0) ctx.scheduleRebalance();
  if (info.serials === 0) return { events: info.count, lsn };
  const lastSerial = serial.value;
  return { events: info.count, serial: { first: lastSerial - BigInt(info.serials) + 1n, count: info.serials }, lsn };
}

/** Schedules a background refresh of `p` when its active memtable reached its storage's `refresh_wm` (0: never). */
function afterInsert(ctx: EngineContext, p: PartitionState): void {
  const storage = ctx.storages.find(p.record.storage);
  if (storage === undefined) return;
  const wm = storage.refreshWm(ctx.config);
  if (wm > 0 && p.active.bytes >= wm) ctx.scheduleRefresh(p);
}
