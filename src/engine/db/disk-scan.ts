/**
 * What a database directory holds on disk, found without the manifest: WAL segments
 * that hold records, and storage folders (`<base>/<uuid>/`) with partition files.
 * Open uses it to refuse a lost manifest over existing data; repair uses it to find
 * what to rebuild the manifest from.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StrataError, ioError } from '../../errors.ts';
import { WAL_SEGMENT_HEADER, parseWalSegmentName } from '../../wal/index.ts';
import { manifestPath, parsePartitionFileName, walDir } from '../core/paths.ts';

/** A folder named by a storage uuid that holds partition files. */
export interface StorageFolder {
  /** The uuid: the folder's name. */
  readonly uuid: string;
  /** The folder's absolute path. */
  readonly dir: string;
  /** The base the folder is in (the storage's `path`, resolved). */
  readonly base: string;
  /** Names of the partition files in it (`<min>.<gen>.part`), sorted. */
  readonly files: readonly string[];
}

/** What {@link scanDisk} found. */
export interface DiskScan {
  /** Names of the WAL segments that hold at least one record's worth of bytes, sorted. */
  readonly walSegments: readonly string[];
  /** Storage folders with at least one partition file (or all of them, see {@link scanDisk}). */
  readonly folders: readonly StorageFolder[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Lists the WAL segments of `dir` that are longer than their header, and the storage
 * folders with partition files (every uuid-named folder with `all`) under `dir` and
 * under each of `bases` (the paths of storages kept outside the database directory).
 * Reads names and sizes only.
 * @throws StrataError `IO` if a folder that exists cannot be listed.
 */
export function scanDisk(dir: string, bases: readonly string[] = [], all = false): DiskScan {
  const wal = walDir(dir);
  const walSegments = list(wal)
    .filter((n) => parseWalSegmentName(n) !== null && sizeOf(path.join(wal, n)) > WAL_SEGMENT_HEADER)
    .sort();
  const folders: StorageFolder[] = [];
  const seen = new Set<string>();
  for (const b of [dir, ...bases]) {
    const base = path.resolve(b);
    for (const name of list(base)) {
      const folder = path.join(base, name);
      if (!UUID.test(name) || seen.has(folder) || !isDir(folder)) continue;
      seen.add(folder);
      const files = list(folder).filter((n) => parsePartitionFileName(n) !== undefined).sort();
      if (all || files.length > 0) folders.push({ uuid: name, dir: folder, base, files });
    }
  }
  return { walSegments, folders };
}

/** Names in `dir`, or none if it does not exist. */
function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw ioError('scan', dir, e);
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Refuses to create a new database over existing data: when `manifest.db` of `dir` is
 * missing or empty (or, with `unfinished`, holds no database: its creation never
 * finished) but `dir` holds WAL segments with records or storage folders with
 * partition files, the manifest was lost, and a new one would leave that data
 * unreachable (and the next open would remove the files as orphans).
 * @throws StrataError `CORRUPTION` saying what was found and how to repair; nothing is
 *   changed on disk. `IO` if the directory cannot be read.
 */
export function refuseLostManifest(dir: string, unfinished = false): void {
  const file = manifestPath(dir);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('open', file, e);
    size = -1;
  }
  if (size > 0 && !unfinished) return;
  const found = scanDisk(dir);
  const files = found.folders.reduce((n, f) => n + f.files.length, 0);
  if (found.walSegments.length === 0 && files === 0) return;
  const what = [
    found.walSegments.length > 0 ? `${found.walSegments.length} WAL segment(s) with records` : '',
    files > 0 ? `${files} partition file(s) in ${found.folders.length} storage folder(s)` : '',
  ].filter((s) => s !== '').join(' and ');
  const state = size < 0 ? 'is missing' : size === 0 ? 'is empty' : 'holds no database (its creation never finished)';
  throw new StrataError(
    'CORRUPTION',
    `open: ${file} ${state} but ${dir} holds ${what}: the manifest was lost, and a new database would leave that data unreachable; nothing was changed. Restore manifest.db from a backup, or rebuild it from the files with \`strata repair ${dir}\` (Strata.repair)`,
  );
}
