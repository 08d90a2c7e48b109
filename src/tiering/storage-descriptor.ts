/**
 * The storage descriptor: `<storage folder>/storage.json`, a copy of what the manifest
 * says of the storage whose folder it is (its name, uuid, path and options, never a
 * secret). The manifest stays the source of truth; the descriptor exists so that
 * `strata repair` can give a storage back its name and options when the manifest is
 * lost (docs/manifest.md#repair). It is written when a storage is created, altered or
 * renamed, and at every open (so it follows a crash between the manifest and the file,
 * and databases made before it existed get one). Its name is not a partition file
 * name, so reconciliation leaves it alone.
 *
 * ```json
 * {"format":1,"name":"cold","uuid":"…","path":"/mnt/archive","options":{"compression":"zstd"},"created":1764650000000000}
 * ```
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioError } from '../errors.ts';
import type { ConfigValue } from '../manifest/index.ts';
import { isSecretOption, type Storage } from './storage.ts';

/** The descriptor's file name in a storage folder. */
export const DESCRIPTOR_FILE = 'storage.json';

/** What a descriptor holds. */
export interface StorageDescriptor {
  readonly name: string;
  readonly uuid: string;
  /** The storage's `path` option as set ('' for the database directory). */
  readonly path: string;
  /** Its options, secrets left out (an encryption key is never written here). */
  readonly options: Readonly<Record<string, ConfigValue>>;
  /** Creation time, microseconds since the epoch. */
  readonly created: number;
}

/** The descriptor text of `s`: one line of JSON; bigints as decimal strings. */
function text(s: Storage): string {
  const options: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(s.record.options)) if (!isSecretOption(k)) options[k] = v;
  const d = { format: 1, name: s.name, uuid: s.uuid, path: s.record.path, options, created: s.record.created };
  return `${JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`;
}

/**
 * Writes the descriptor of `s` into its folder unless it already says the same: to a
 * temporary file (0600), fsynced, then renamed over the old one.
 * @throws StrataError `IO`.
 */
export function writeDescriptor(s: Storage): void {
  const file = path.join(s.dir, DESCRIPTOR_FILE);
  const want = text(s);
  try {
    if (fs.readFileSync(file, 'utf8') === want) return;
  } catch {
    // absent or unreadable: write it
  }
  const tmp = `${file}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, want);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    throw ioError('storage descriptor', file, e);
  }
}

/** Removes the descriptor of `s` (its folder is going: dropped, or moved by a new path). */
export function removeDescriptor(s: Storage): void {
  fs.rmSync(path.join(s.dir, DESCRIPTOR_FILE), { force: true });
  fs.rmSync(path.join(s.dir, `${DESCRIPTOR_FILE}.tmp`), { force: true });
}

/**
 * Reads the descriptor of the storage folder `folder`: null when there is none or it
 * does not parse as one (repair then names the storage itself).
 */
export function readDescriptor(folder: string): StorageDescriptor | null {
  let d: unknown;
  try {
    d = JSON.parse(fs.readFileSync(path.join(folder, DESCRIPTOR_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (typeof d !== 'object' || d === null) return null;
  const o = d as Record<string, unknown>;
  if (o.format !== 1 || typeof o.name !== 'string' || typeof o.uuid !== 'string' || typeof o.path !== 'string') return null;
  if (typeof o.options !== 'object' || o.options === null || typeof o.created !== 'number') return null;
  const options: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(o.options as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') options[k] = v;
  }
  return { name: o.name, uuid: o.uuid, path: o.path, options, created: o.created };
}
