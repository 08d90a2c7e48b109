/**
 * What `strata repair` rebuilds a lost manifest from, decided from the disk alone: the
 * storages (from their folders and descriptors), the partitions (from the files'
 * footers), and the settings it can infer. Reads only; the caller writes the manifest
 * (repair.ts). See docs/manifest.md#repair.
 *
 * Rules:
 * - a storage is a uuid-named folder under the database directory or under one of the
 *   extra storage paths; its descriptor (storage-descriptor.ts) gives its name and
 *   options, else it is named `recovered_<first 8 digits of its uuid>`, or `main` when
 *   it is the only folder in the database directory without a descriptor and no
 *   descriptor claims `main`; without any, a new empty `main` is made;
 * - a partition is the newest generation (the database-wide counter) of the files that
 *   name the same `min`, in any storage; its range, generation and lsn come from its
 *   footer (format version 2); a version-1 file gives only `min` (its name) and its
 *   events, and its range is guessed: up to the next partition or the end of the
 *   `interval`-aligned range `min` falls in, whichever comes first, never short of its
 *   last event;
 * - a file whose footer fails its checks is skipped, and so is one whose range overlaps
 *   a newer partition's; an encrypted file without its key is recorded (its range is in
 *   the clear) and stays unreadable until the key is given;
 * - the storage's `cloud` option is dropped (the cloud and its credentials were in the
 *   manifest): partitions that were only on the cloud cannot be found.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Encryption, parseKey } from '../../codec/index.ts';
import { isStrataError } from '../../errors.ts';
import type { ConfigValue, PartitionRecord, StorageRecord } from '../../manifest/index.ts';
import { type FileDescription, PartitionFile, inspectPartitionFile } from '../../partition/index.ts';
import { defaultConfig } from '../core/config.ts';
import { scanDisk } from './disk-scan.ts';
import { parsePartitionFileName, partitionFileName } from '../core/paths.ts';
import { readDescriptor } from '../../tiering/index.ts';
import { MAIN } from '../../tiering/index.ts';

/** What repair found on disk and will record. */
export interface RepairPlan {
  readonly storages: StorageRecord[];
  readonly partitions: PartitionRecord[];
  /** The settings to store: uuid, interval, ssn. */
  readonly config: [string, ConfigValue][];
  /** Lines: what was found and kept. */
  readonly kept: string[];
  /** Lines: what was not recorded, and why (the files stay where they are). */
  readonly skipped: string[];
  /** Lines: what the operator should know. */
  readonly notes: string[];
}

/** A partition file found, with its storage and what its footer says. */
interface Candidate {
  readonly storage: string;
  readonly file: string;
  readonly min: bigint;
  readonly gen: number;
  readonly desc: FileDescription;
  readonly mtime: number;
}

/**
 * Plans the rebuild of the manifest of `dir` from its files. `bases` are the paths of
 * storages kept outside `dir`; `keys` the keys of encrypted storages, by name or uuid.
 * @throws StrataError `INVALID_INPUT` for a key that is not 64 hex digits; `IO`.
 */
export function planRepair(dir: string, bases: readonly string[], keys: Readonly<Record<string, string>>): RepairPlan {
  const kept: string[] = [];
  const skipped: string[] = [];
  const notes: string[] = [];
  const root = path.resolve(dir);
  const storages = findStorages(root, bases, kept, notes);
  const candidates: Candidate[] = [];
  for (const { record, dir: folder } of storages) {
    for (const name of fs.readdirSync(folder)) {
      const f = parsePartitionFileName(name);
      if (f === undefined) continue;
      const file = path.join(folder, name);
      try {
        const desc = inspectPartitionFile(file);
        if (desc.identity !== null && (desc.identity.min !== f.min || desc.identity.generation !== f.gen)) {
          skipped.push(`${record.name}/${name}: its footer names partition ${desc.identity.min} generation ${desc.identity.generation}, not its file name; left in place`);
          continue;
        }
        candidates.push({ storage: record.name, file, min: f.min, gen: f.gen, desc, mtime: Math.floor(fs.statSync(file).mtimeMs * 1000) });
      } catch (e) {
        if (!isStrataError(e, 'CORRUPTION')) throw e;
        skipped.push(`${record.name}/${name}: ${e.message}; left in place`);
      }
    }
  }
  // the newest generation of each min: older ones are leftovers of refreshes and moves
  candidates.sort((a, b) => b.gen - a.gen);
  const newest = new Map<bigint, Candidate>();
  for (const c of candidates) {
    if (!newest.has(c.min)) newest.set(c.min, c);
    else kept.push(`${c.storage}/${path.basename(c.file)}: an older generation of partition ${c.min}; open removes it`);
  }
  const interval = guessInterval([...newest.values()], notes);
  const partitions = ranges([...newest.values()], interval, skipped, notes);
  const records: PartitionRecord[] = [];
  let ssn = 0n;
  for (const { c, min, max } of partitions) {
    const d = c.desc;
    records.push({
      min, max, storage: c.storage, file: c.gen, lsn: d.identity?.lsn ?? 0n, events: d.events, regions: d.regions,
      size: d.size, sizeUncompressed: d.sizeUncompressed, created: c.mtime, refreshed: c.mtime, refreshes: 0,
      onStorage: true, onCloud: false,
    });
    if (d.lastId !== null && d.lastId > ssn) ssn = d.lastId;
    kept.push(`partition ${min}..${max} on ${c.storage}: ${path.basename(c.file)}, ${d.events} events${d.identity === null ? ' (format version 1: range guessed)' : ''}`);
  }
  checkKeys(storages, records, keys, notes);
  records.sort((a, b) => (a.min < b.min ? -1 : 1));
  return {
    storages: storages.map((s) => s.record),
    partitions: records,
    config: [['uuid', randomUUID()], ['interval', interval], ['ssn', ssn]],
    kept,
    skipped,
    notes,
  };
}

/** The storages: every uuid folder found, named by its descriptor or a guess; `main` always. */
function findStorages(root: string, bases: readonly string[], kept: string[], notes: string[]): { record: StorageRecord; dir: string }[] {
  const found = scanDisk(root, bases, true).folders;
  const described = found.map((f) => ({ f, d: readDescriptor(f.dir) }));
  const names = new Set(described.flatMap(({ d }) => (d === null ? [] : [d.name])));
  const bare = described.filter(({ f, d }) => d === null && f.base === root);
  const out: { record: StorageRecord; dir: string }[] = [];
  for (const { f, d } of described) {
    let name = d?.name ?? (!names.has(MAIN) && bare.length === 1 && bare[0]!.f === f ? MAIN : `recovered_${f.uuid.slice(0, 8)}`);
    if (out.some((o) => o.record.name === name)) name = `recovered_${f.uuid.slice(0, 8)}`;
    const p = f.base === root ? '' : path.relative(root, f.base).startsWith('..') ? f.base : path.relative(root, f.base);
    const options: Record<string, ConfigValue> = { ...(d?.options ?? {}) };
    if (typeof options.cloud === 'string') {
      notes.push(`storage ${name} kept its partitions on cloud '${options.cloud}', whose settings were in the manifest: partitions that were only on the cloud cannot be found without its credentials; CREATE CLOUD ${options.cloud} (...) and ALTER STORAGE ${name} SET (cloud '${options.cloud}') bring the storage back to its cloud, and SHOW ORPHANS lists the objects the manifest no longer knows`);
      delete options.cloud;
    }
    delete options.encryption_key;
    const record: StorageRecord = { name, uuid: f.uuid, path: p, options, created: d?.created ?? Date.now() * 1000 };
    out.push({ record, dir: f.dir });
    kept.push(`storage ${name} (${d === null ? 'named by repair: its folder has no descriptor' : 'from its descriptor'}): ${f.dir}, ${f.files.length} partition file(s)`);
  }
  if (!out.some((o) => o.record.name === MAIN)) {
    const uuid = randomUUID();
    out.push({ record: { name: MAIN, uuid, path: '', options: {}, created: Date.now() * 1000 }, dir: path.join(root, uuid) });
    notes.push('no folder could be main: a new, empty main storage was made');
  }
  return out;
}

/** The partition width: the most common width of the version-2 ranges, else the default. */
function guessInterval(list: readonly Candidate[], notes: string[]): bigint {
  const widths = new Map<bigint, number>();
  for (const c of list) {
    const id = c.desc.identity;
    if (id !== null) widths.set(id.max - id.min + 1n, (widths.get(id.max - id.min + 1n) ?? 0) + 1);
  }
  let best = defaultConfig().interval;
  let n = 0;
  for (const [w, k] of widths) if (k > n) [best, n] = [w, k];
  notes.push(`interval ${best}: ${n > 0 ? 'the most common partition width' : 'the default (no file records its range)'}; the other settings have their defaults`);
  return best;
}

/**
 * The range of each partition, newest first claiming its range; a partition whose range
 * overlaps a newer one is skipped. Version-1 files get a guessed range.
 */
function ranges(list: Candidate[], interval: bigint, skipped: string[], notes: string[]): { c: Candidate; min: bigint; max: bigint }[] {
  const taken: { min: bigint; max: bigint }[] = [];
  const out: { c: Candidate; min: bigint; max: bigint }[] = [];
  const exact = list.filter((c) => c.desc.identity !== null).sort((a, b) => b.gen - a.gen);
  const guessed = list.filter((c) => c.desc.identity === null).sort((a, b) => (a.min < b.min ? -1 : 1));
  const claim = (c: Candidate, min: bigint, max: bigint): void => {
    const hit = taken.find((t) => t.min <= max && min <= t.max);
    if (hit !== undefined) {
      skipped.push(`${c.storage}/${path.basename(c.file)}: its range ${min}..${max} overlaps partition ${hit.min}..${hit.max} of a newer file; left in place (open removes it)`);
      return;
    }
    taken.push({ min, max });
    out.push({ c, min, max });
  };
  for (const c of exact) claim(c, c.desc.identity!.min, c.desc.identity!.max);
  for (const c of guessed) {
    // where the partition a write would have made ends (aligned to interval), or the next one starts
    const aligned = (c.min / interval) * interval + interval;
    const next = [...taken.map((t) => t.min), ...guessed.map((g) => g.min)].filter((m) => m > c.min).reduce((a, b) => (b < a ? b : a), aligned);
    let max = next - 1n;
    if (c.desc.lastId !== null && c.desc.lastId > max) max = c.desc.lastId;
    notes.push(`partition ${c.min}: its file (format version 1) does not record its range; ${c.min}..${max} was guessed`);
    claim(c, c.min, max);
  }
  return out;
}

/**
 * Gives each encrypted storage the key from `keys` (by name or uuid) that opens its
 * files; a storage whose files are encrypted and that has no working key is recorded
 * with `encryption 'aes'` and no key: its partitions stay unreadable (and in place)
 * until a repair is given the key.
 */
function checkKeys(storages: { record: StorageRecord; dir: string }[], partitions: readonly PartitionRecord[], keys: Readonly<Record<string, string>>, notes: string[]): void {
  for (const { record, dir } of storages) {
    const mine = partitions.filter((p) => p.storage === record.name);
    const sealed = mine.filter((p) => inspectPartitionFile(path.join(dir, fileName(p))).encryption === Encryption.aes);
    const given = keys[record.name] ?? keys[record.uuid];
    if (sealed.length === 0) {
      if (given !== undefined) notes.push(`storage ${record.name}: a key was given, but none of its files is encrypted; ignored`);
      continue;
    }
    record.options.encryption = 'aes';
    if (given === undefined) {
      notes.push(`storage ${record.name}: ${sealed.length} encrypted partition(s) cannot be read without the storage's key, which was in the manifest; they stay in place: repair again with --key ${record.name}=<64 hex digits>`);
      continue;
    }
    if (opens(path.join(dir, fileName(sealed[0]!)), parseKey(given, 'repair'))) {
      record.options.encryption_key = given.toLowerCase();
      notes.push(`storage ${record.name}: the key given opens its encrypted files`);
    } else {
      notes.push(`storage ${record.name}: the key given does not open its encrypted files (wrong key); they stay unreadable, in place: repair again with the right --key`);
    }
  }
}

/** Whether `key` opens (authenticates the index of) the encrypted file `file`. */
export function opens(file: string, key: Uint8Array): boolean {
  try {
    PartitionFile.open(file, key).close();
    return true;
  } catch (e) {
    if (isStrataError(e, 'CORRUPTION')) return false;
    throw e;
  }
}

function fileName(p: PartitionRecord): string {
  return partitionFileName(p.min, p.file);
}
