/**
 * Where things live in a database directory.
 *
 * ```
 * <dir>/strata.lock            the directory lock (a SQLite file the owner holds locked)
 * <dir>/manifest.db            the SQLite manifest (+ -wal, -shm)
 * <dir>/wal/<lsn>.wal          WAL segments
 * <dir>/<storage uuid>/<min>.<gen>.part   partition files of storage main
 * ```
 *
 * @module
 */
import * as path from 'node:path';
import type { ReservedPlace } from '../../tiering/index.ts';

/** Name of the lock file in the database directory (lock.ts). */
export const LOCK_FILE = 'strata.lock';

/** The manifest database file. */
export function manifestPath(dir: string): string {
  return path.join(dir, 'manifest.db');
}

/** The WAL directory. */
export function walDir(dir: string): string {
  return path.join(dir, 'wal');
}

/** The folder of a storage's partition files. */
export function storageDir(base: string, uuid: string): string {
  return path.join(base, uuid);
}

/** Name of generation `gen` of the file of the partition starting at `min`. */
export function partitionFileName(min: bigint, gen: number): string {
  return `${min.toString().padStart(20, '0')}.${gen}.part`;
}

/** Parses a partition file name; undefined if `name` is not one. */
export function parsePartitionFileName(name: string): { min: bigint; gen: number } | undefined {
  const m = /^(\d{20})\.(\d+)\.part$/.exec(name);
  if (m === null) return undefined;
  return { min: BigInt(m[1]!), gen: Number(m[2]) };
}

/**
 * The places of database directory `dir` (absolute) that no storage's path may lead to
 * or into, in the order `CREATE / ALTER STORAGE` checks them (tiering/storage-path.ts).
 */
export function reservedPlaces(dir: string): ReservedPlace[] {
  const manifest = manifestPath(dir);
  return [
    { path: walDir(dir), why: 'is inside the WAL folder' },
    ...[manifest, `${manifest}-wal`, `${manifest}-shm`].map((file) => ({ path: file, why: "is at the manifest's place" })),
    { path: path.join(dir, LOCK_FILE), why: "is at the lock file's place" },
  ];
}
