/**
 * A partition as the engine holds it: its manifest record, its open file, its
 * frozen memtables (being refreshed) and its active memtable (taking writes).
 *
 * @module
 */
import { compareIdParts, idHi, idLo } from '../../codec/index.ts';
import type { StrataError } from '../../errors.ts';
import type { PartitionRecord } from '../../manifest/index.ts';
import { type Arena, type MemoryCounter, Memtable, type PartitionFile } from '../../partition/index.ts';
import type { RemoteObject } from '../cloud/remote-object.ts';

/** A failed cloud transfer, as `SHOW OPERATIONS` lists it. */
export interface CloudFailure {
  /** `upload`, `download`, `refresh` or `move`. */
  readonly kind: string;
  /** Where it read from and wrote to: a storage, or `cloud <name>`. */
  readonly source: string;
  readonly destination: string;
  readonly error: string;
}

/** One partition: the events whose id is in `[min, max]`. */
export class PartitionState {
  readonly min: bigint;
  readonly max: bigint;
  readonly minHi: number;
  readonly minLo: number;
  readonly maxHi: number;
  readonly maxLo: number;
  /** The partition's row in the manifest (replaced, never mutated). */
  record: PartitionRecord;
  /** The open partition file, or null when it has none yet. */
  file: PartitionFile | null;
  /** The memtable taking writes. */
  active: Memtable;
  /** Memtables frozen by a refresh in progress (or a failed one), oldest first. */
  frozen: Memtable[] = [];
  /** The refresh in progress, if any. */
  refreshing: Promise<void> | null = null;
  /** Set once the partition is dropped: cursors skip it. */
  dropped = false;
  /** The number of the last batch that wrote to it, as the write path's rollover counts batches (rollover.ts). */
  lastBatch = 0;
  /** Why the partition's file could not be opened, if it could not: reads fail with it. */
  damage: StrataError | null = null;
  /** The cloud object of its file, when the file is on the cloud (reads use it when `file` is null). */
  remote: RemoteObject | null = null;
  /** The last failed cloud transfer of this partition (cleared by a success). */
  cloudFailure: CloudFailure | null = null;
  /** Transfers that failed in a row, and when (ms since the epoch) the background may try again. */
  cloudFailures = 0;
  cloudRetryAt = 0;

  /**
   * @param memory the database's memory counter, shared by every memtable.
   * @param arena the database's arena, where memtables keep their events.
   */
  constructor(record: PartitionRecord, file: PartitionFile | null, readonly memory: MemoryCounter, readonly arena: Arena) {
    this.active = new Memtable(arena, memory);
    this.record = record;
    this.file = file;
    this.min = record.min;
    this.max = record.max;
    this.minHi = idHi(record.min);
    this.minLo = idLo(record.min);
    this.maxHi = idHi(record.max);
    this.maxLo = idLo(record.max);
  }

  /** Whether the id `(hi, lo)` falls in this partition. */
  contains(hi: number, lo: number): boolean {
    return compareIdParts(hi, lo, this.minHi, this.minLo) >= 0 && compareIdParts(hi, lo, this.maxHi, this.maxLo) <= 0;
  }

  /** Events in memory (active and frozen memtables), delete markers included. */
  get eventsInMemory(): number {
    let n = this.active.count;
    for (const m of this.frozen) n += m.count;
    return n;
  }

  /** Bytes of events in memory. */
  get bytesInMemory(): number {
    let n = this.active.bytes;
    for (const m of this.frozen) n += m.bytes;
    return n;
  }

  /** Why the last cloud transfer failed, or null. */
  get cloudError(): string | null {
    return this.cloudFailure?.error ?? null;
  }

  /**
   * Notes a failed cloud transfer (`SHOW PARTITIONS` and `SHOW OPERATIONS` show it);
   * background retries back off (1 s doubling, at most 5 min).
   */
  noteCloudFailure(what: Omit<CloudFailure, 'error'>, e: unknown): void {
    this.cloudFailure = { ...what, error: e instanceof Error ? e.message : String(e) };
    this.cloudFailures++;
    this.cloudRetryAt = Date.now() + Math.min(5 * 60_000, 1000 * 2 ** Math.min(this.cloudFailures - 1, 20));
  }

  /** Forgets failures once a transfer succeeded. */
  clearCloudFailure(): void {
    this.cloudFailure = null;
    this.cloudFailures = 0;
    this.cloudRetryAt = 0;
  }

  /** Freezes the active memtable (a refresh takes it) and starts a fresh one. */
  freeze(): void {
    if (this.active.count === 0) return;
    this.active.frozen = true;
    this.frozen.push(this.active);
    this.active = new Memtable(this.arena, this.memory);
  }

  /** Discards every memtable (the partition is dropped). */
  discardMemory(): void {
    for (const m of this.frozen) m.discard();
    this.active.discard();
    this.frozen = [];
    this.active = new Memtable(this.arena, this.memory);
  }

  /** Lowest WAL lsn still needed by this partition's memtables (0: none). */
  get neededLsn(): number {
    let lsn = 0;
    for (const m of [...this.frozen, this.active]) {
      if (m.minLsn !== 0 && (lsn === 0 || m.minLsn < lsn)) lsn = m.minLsn;
    }
    return lsn;
  }
}
