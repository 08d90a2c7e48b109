/**
 * The refresh job: merge a partition's file with its frozen memtables into a new file.
 * Pure CPU and file work with plain data in and out, so it runs the same inline or in
 * a worker thread (see workers/ and partition/jobs.ts).
 *
 * Two ways to the new file:
 * - **append**, when the job may (a refresh on the partition's own storage), the old
 *   file has two regions or more and was written with the new file's codec,
 *   encryption and key, and every event of the frozen memtables sorts after the old
 *   file's last event (ids written in order): the new file starts with the old file's
 *   regions but the last, copied as they are ({@link PartitionFileWriter.append});
 *   the last one, which may be partly filled, is decoded and written again with the
 *   memtables' events after it. So the regions are cut where a rewrite would cut them
 *   (when the region size did not change), and refreshes of a trickle of events do not
 *   leave a trail of small regions;
 * - **rewrite** otherwise: the old file's regions are decoded and merged with the
 *   memtables, and every region is written anew.
 *
 * Both take the events in stretches ({@link mergeInto}), not record by record.
 *
 * @module
 */
import { compareIdKey } from './file-format.ts';
import { PartitionFile } from './file-reader.ts';
import { type FileSummary, type FileWriterOptions, PartitionFileWriter } from './file-writer.ts';
import type { MemtableRun } from './memtable.ts';
import { type BulkSource, FileSource, mergeInto, RunSource } from './bulk-merge.ts';
import { recIdHi, recIdLo, RECORD_HEADER, REC_KEY_LEN } from '../codec/index.ts';

/**
 * What a refresh job needs. Plain data only (strings, numbers, bigints, typed arrays),
 * so it survives the structured clone to a worker thread.
 */
export interface RefreshJob {
  /** The partition's current file, or null if it has none. */
  readonly oldPath: string | null;
  /**
   * The 32-byte key of the current file if it is encrypted, else null. It may differ
   * from the new file's key (`writer.key`) when the partition moves between storages.
   */
  readonly oldKey: Uint8Array | null;
  /** Frozen memtables, oldest first; later ones win on equal `(id, key)`. */
  readonly runs: readonly MemtableRun[];
  /** Where to write the new file (must not exist). */
  readonly newPath: string;
  /**
   * Region size, codec, level, encryption, key and sync of the new file, and its
   * identity (the partition's range, the new generation, the lsn the file will cover),
   * which its footer records.
   */
  readonly writer: FileWriterOptions;
  /**
   * Whether the new file may start with the old file's regions, copied (an append):
   * true for a refresh on the partition's own storage, false for a move, which
   * re-encodes. The job appends only when the other conditions hold too (see the
   * module's comment).
   */
  readonly append: boolean;
}

/** What a refresh job produced: the new file's summary, or `events: 0` and no file. */
export interface RefreshResult extends FileSummary {
  /** Whether the new file starts with the old file's regions, copied (an append). */
  readonly appended: boolean;
}

/**
 * Runs a refresh job. Deletes are applied: the new file holds no delete markers.
 * When nothing is left (every event deleted) no file is written and the result has
 * `events: 0`. On failure the partial new file is removed and the error rethrown.
 */
export function runRefreshJob(job: RefreshJob): RefreshResult {
  const old = job.oldPath === null ? null : PartitionFile.open(job.oldPath, job.oldKey);
  try {
    if (old !== null && job.append && appendable(old, job)) return append(old, job);
    return rewrite(old, job);
  } finally {
    old?.close();
  }
}

/** The old file's regions but the last, copied; then the last one's events and the memtables'. */
function append(old: PartitionFile, job: RefreshJob): RefreshResult {
  const last = old.regions - 1;
  const writer = PartitionFileWriter.append(job.newPath, job.writer, old, last);
  try {
    mergeInto([new FileSource(old, last), ...job.runs.map((r) => new RunSource(r))], () => writer);
    return { ...writer.finish(), appended: true };
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/** The old file and the memtables merged, every region written anew. */
function rewrite(old: PartitionFile | null, job: RefreshJob): RefreshResult {
  const sources: BulkSource[] = [];
  if (old !== null) sources.push(new FileSource(old));
  for (const run of job.runs) sources.push(new RunSource(run));
  // the writer is made at the first event to write: none when every event is deleted
  const made: PartitionFileWriter[] = [];
  const open = (): PartitionFileWriter => {
    const w = new PartitionFileWriter(job.newPath, job.writer);
    made.push(w);
    return w;
  };
  try {
    const writer = mergeInto(sources, open);
    if (writer === null) return { regions: 0, events: 0, size: 0, sizeUncompressed: 0, appended: false };
    return { ...writer.finish(), appended: false };
  } catch (e) {
    for (const w of made) w.abort();
    throw e;
  }
}

/**
 * Whether the job can append to `old`: it has two regions or more (with one, there is
 * nothing to copy), the new file keeps its codec, encryption and key, and the first
 * entry of every run sorts after its last event.
 */
function appendable(old: PartitionFile, job: RefreshJob): boolean {
  const w = job.writer;
  // a Parquet file's row groups are not copied: a refresh into Parquet, or of one, rewrites
  if (old.format !== 'strata' || (w.format ?? 'strata') !== 'strata') return false;
  if (old.regions < 2 || old.codec !== w.codec || old.encryption !== w.encryption) return false;
  if (!old.sameKey(w.encryption === 0 ? null : w.key)) return false;
  const x = old.index;
  const last = old.regions - 1;
  for (const run of job.runs) {
    if (run.slab.length === 0) continue;
    const b = run.slabs[run.slab[0]!]!;
    const off = run.off[0]!;
    const key = b.subarray(off + RECORD_HEADER, off + RECORD_HEADER + b[off + REC_KEY_LEN]!);
    if (compareIdKey(recIdHi(b, off), recIdLo(b, off), key, x.maxHi[last]!, x.maxLo[last]!, x.maxKeys[last]!) <= 0) return false;
  }
  return true;
}
