/**
 * Where a storage's `path` may lead (`CREATE STORAGE`, `ALTER STORAGE ... SET path`),
 * checked before anything is created or recorded:
 *
 * - a relative path resolves inside the database directory and may not leave it, not
 *   through `..` nor through a symbolic link (the real paths of what exists compare);
 * - the parent of the path must exist: Strata creates only its last level (and then the
 *   storage's `<uuid>` folder inside it);
 * - it may not be at or inside another storage's folder `<path>/<uuid>/`, nor at or in
 *   a place the database keeps for itself ({@link ReservedPlace}: the WAL folder, the
 *   manifest's files `manifest.db`, `-wal`, `-shm`, the lock file; the engine names
 *   them, engine/core/paths.ts); several storages may share a path (their folders
 *   differ by uuid);
 * - it is not empty and holds no NUL byte (checked with the option's value, in
 *   storage.ts).
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StrataError, ioError } from '../errors.ts';
import type { Storage } from './storage.ts';

/**
 * A place of the database directory that a storage's path may not lead to or into (the
 * WAL folder, the manifest's files, the lock file), and the words of the refusal, e.g.
 * `is inside the WAL folder`. The engine names them: it owns the directory's layout.
 */
export interface ReservedPlace {
  /** Absolute path. */
  readonly path: string;
  /** What the refusal says after the path. */
  readonly why: string;
}

/** What every refusal adds: where a storage's path may lead. */
const ALLOWED = "a storage's path is a folder whose parent exists, absolute or inside the database directory, and not in the WAL folder, the manifest or a storage's folder";

/**
 * Checks that `given`, the new `path` of a storage, leads where a storage may be (see
 * the module comment). `reserved` are the database's own places, in the order they are
 * checked; `storages` are the storages whose folders it may not enter (the storage
 * being altered included). Returns the absolute base folder.
 * @throws StrataError `INVALID_INPUT` starting with `op` when it may not; `IO` when the
 *   file system cannot be read.
 */
export function checkStoragePath(op: string, given: string, dbDir: string, reserved: readonly ReservedPlace[], storages: readonly Storage[]): string {
  const base = path.resolve(dbDir, given);
  const refuse = (why: string): never => {
    throw new StrataError('INVALID_INPUT', `${op}: path '${given}' ${why}; ${ALLOWED}`);
  };
  try {
    const db = canonical(dbDir);
    const real = canonical(base);
    if (!path.isAbsolute(given)) {
      if (!within(base, dbDir)) refuse('leads outside the database directory (use an absolute path for a folder elsewhere)');
      if (!within(real, db)) refuse(`leads outside the database directory through a symbolic link (to ${real})`);
    }
    // at or inside a place of the database: compared as given and as real paths
    const at = (place: string): boolean => within(base, place) || within(real, canonical(place));
    for (const place of reserved) if (at(place.path)) refuse(place.why);
    for (const s of storages) if (at(s.dir)) refuse(`is inside the folder of storage '${s.name}'`);
    // named as given (relative to the database directory when the path is)
    const parent = path.dirname(given);
    const up = stat(path.dirname(base));
    if (up === null) refuse(`needs its parent folder '${parent}', which does not exist (Strata creates only the last level): create it first`);
    if (!up!.isDirectory()) refuse(`needs its parent '${parent}' to be a folder, and it is not`);
    const self = stat(base);
    if (self !== null && !self.isDirectory()) refuse('names a file, not a folder');
  } catch (e) {
    throw e instanceof StrataError ? e : ioError(op, base, e);
  }
  return base;
}

/** Whether `p` is `dir` or inside it (both absolute and normalized). */
function within(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** `fs.statSync`, or null when nothing is there. */
function stat(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * The real path of `p`: that of its deepest existing ancestor (symbolic links
 * resolved), followed by the levels that do not exist yet.
 */
function canonical(p: string): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...missing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    const up = path.dirname(at);
    if (up === at) return path.resolve(p);
    missing.unshift(path.basename(at));
    at = up;
  }
}
