/**
 * Describes a partition file from its header and footer alone: no key, no index. What
 * `strata repair` lists to rebuild a lost manifest from the files on disk, encrypted
 * files included (the footer is not encrypted).
 *
 * @module
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { ioError } from '../errors.ts';
import { idJoin } from '../codec/index.ts';
import type { FileIdentity } from './file-footer.ts';
import { readAt } from './file-reader.ts';
import { readFooter } from './region-reader.ts';

const OPEN = 'open partition file';

/** What a partition file says of itself, read from its header and footer. */
export interface FileDescription {
  /** The file's path, as given. */
  readonly path: string;
  /** The format version: 1 or 2. */
  readonly version: number;
  /**
   * Which partition the file is: range `[min, max]`, generation, lsn. Null for a
   * version-1 file, which does not record it (its name still gives min and generation).
   */
  readonly identity: FileIdentity | null;
  /** Number of events. */
  readonly events: number;
  /** Number of regions. */
  readonly regions: number;
  /** File size in bytes. */
  readonly size: number;
  /** Sum of the regions' uncompressed sizes. */
  readonly sizeUncompressed: number;
  /** Compression codec id (0 none, 1 zstd, 2 lz4). */
  readonly codec: number;
  /** Encryption id (0 none, 1 aes). */
  readonly encryption: number;
  /** Id of the first event; null when the file holds none. */
  readonly firstId: bigint | null;
  /** Id of the last event; null when the file holds none. */
  readonly lastId: bigint | null;
}

/**
 * Reads the header and the footer of the partition file at `path` (two reads) and
 * describes it. Checks what these bytes alone can show: the size (at least a header
 * and a footer of the file's version), footer magic, version (1 or 2), footer crc,
 * reserved bytes, codec and encryption ids, in version 2 the identity (`min <= max`,
 * generation >= 1, the first and last event inside the range), that the index lies
 * exactly between the header and the footer, and the header (magic, the footer's
 * version, flags). It does not read the index or any region, so it needs no key, and
 * a file it describes may still fail {@link PartitionFile.open} (a damaged index or
 * region, a wrong key). Opens nothing that outlives the call.
 * @throws StrataError `CORRUPTION` naming the file and the fault; `IO` when the file
 *   cannot be opened or read.
 */
export function inspectPartitionFile(path: string): FileDescription {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw ioError(OPEN, path, e);
  }
  try {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      throw ioError(OPEN, path, e);
    }
    const f = readFooter(path, size, (pos, len) => readAt(fd, path, OPEN, pos, len), true);
    return {
      path,
      version: f.version,
      identity: f.identity,
      events: f.events,
      regions: f.regions,
      size,
      sizeUncompressed: f.sizeUncompressed,
      codec: f.codec,
      encryption: f.encryption,
      firstId: f.events === 0 ? null : idJoin(f.minHi, f.minLo),
      lastId: f.events === 0 ? null : idJoin(f.maxHi, f.maxLo),
    };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing was written: a failed close loses nothing
    }
  }
}
