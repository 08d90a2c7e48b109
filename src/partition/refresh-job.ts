/**
 * The refresh job: merge a partition's file with its frozen memtables into a new
 * file. Pure CPU and file work with plain data in and out, so it runs the same inline
 * or in a worker thread (see workers/ and partition/jobs.ts).
 *
 * @module
 */
import { PartitionFile } from './file-reader.ts';
import { FileIterator } from './file-iterator.ts';
import { type FileSummary, type FileWriterOptions, PartitionFileWriter } from './file-writer.ts';
import type { MemtableRun } from './memtable.ts';
import { MergeIterator } from './merge-iterator.ts';
import { RunIterator } from './run-iterator.ts';
import type { EventSource } from './event-source.ts';

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
}

/** What a refresh job produced: the new file's summary, or `events: 0` and no file. */
export type RefreshResult = FileSummary;

/**
 * Runs a refresh job. Deletes are applied: the new file holds no delete markers.
 * When nothing is left (every event deleted) no file is written and the result has
 * `events: 0`. On failure the partial new file is removed and the error rethrown.
 */
export function runRefreshJob(job: RefreshJob): RefreshResult {
  const old = job.oldPath === null ? null : PartitionFile.open(job.oldPath, job.oldKey);
  try {
    const sources: EventSource[] = [];
    if (old !== null) sources.push(new FileIterator(old));
    for (const run of job.runs) sources.push(new RunIterator(run));
    const merged = new MergeIterator(sources);
    merged.seek(ZERO_PROBE, 0, false);
    if (!merged.valid) return { regions: 0, events: 0, size: 0, sizeUncompressed: 0 };
    const writer = new PartitionFileWriter(job.newPath, job.writer);
    try {
      while (merged.valid) {
        writer.add(merged.buf, merged.off);
        merged.next();
      }
      return writer.finish();
    } catch (e) {
      writer.abort();
      throw e;
    }
  } finally {
    old?.close();
  }
}

/** A record with id 0 and an empty key: sorts first. */
const ZERO_PROBE = new Uint8Array(14);
