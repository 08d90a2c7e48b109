/**
 * The partition layer: memtables, the partition file format, iterators and the
 * refresh (merge) job. No manifest, no WAL: plain data and files.
 *
 * @module
 */
export { Arena, SLAB_SIZE, type ArenaOptions, type ArenaSpan, type ArenaStats } from './arena.ts';
export { Memtable, type MemoryCounter, type MemtableRun } from './memtable.ts';
export { PAGE_BYTES, PAGE_CAP, type MemPage } from './mem-page.ts';
export { MemtableIterator } from './memtable-iterator.ts';
export { FileIterator } from './file-iterator.ts';
export { RegionBuffers } from './region-buffers.ts';
export { MergeIterator } from './merge-iterator.ts';
export { type EventSource, NO_BYTES } from './event-source.ts';
export { PartitionFile } from './file-reader.ts';
export { type FileDescription, inspectPartitionFile } from './file-inspect.ts';
export type { FileFormat, FileIdentity } from './file-footer.ts';
export { RemoteFile } from './remote-file.ts';
export type { RegionReader } from './region-reader.ts';
export { PartitionFileWriter, type FileWriterOptions, type FileSummary } from './file-writer.ts';
export { type RefreshJob, type RefreshResult, runRefreshJob } from './refresh-job.ts';

/** URL of the job module for the worker pool (`.ts` in the sources, `.js` in the build). */
export const partitionJobs = new URL(`./jobs${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);
