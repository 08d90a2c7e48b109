/**
 * The live listing of a Parquet storage's cloud (docs/scale-out.md): a small JSON
 * document, `<storage uuid>/_strata/live.json`, that names the objects live now (key,
 * id range, events, size, generation, format), so that engines outside Strata (DuckDB,
 * Spark, Trino) read exactly the live objects of the bucket and never an object that
 * a switch replaced and that waits for deletion.
 *
 * Protocol, for every switch that changes which objects are live on the cloud (upload,
 * refresh, move, drop of a copy or a partition) and at open:
 *
 * 1. the switch commits in the manifest;
 * 2. the listing is built from the partitions in memory (which the switch updated)
 *    and written: first as a new object `_strata/live-<sequence>.json`, then
 *    `_strata/live.json` is rewritten to the same document, which names that snapshot
 *    (`snapshot`); an S3 PUT replaces an object whole, so a reader sees the previous
 *    document or the new one. The snapshot before the previous one is deleted;
 * 3. only then may a replaced object be deleted: every deletion of an object of the
 *    storage (cloud-deletes.ts) first waits until the listing is clean, i.e. a write
 *    that began after the last switch has succeeded. A listing that cannot be written
 *    stays dirty: deletions of the storage's objects fail and are retried, and the
 *    next switch, the background service or open writes it again.
 *
 * Writes of one listing never overlap: a request during a write waits for the next
 * one, which starts when the write in flight ends and covers every switch before it.
 *
 * @module
 */
import { StrataError } from '../../errors.ts';
import type { FileFormat } from '../../partition/index.ts';
import type { Storage } from '../../tiering/index.ts';
import type { EngineContext } from '../core/context.ts';
import type { StorageCloud } from './cloud-link.ts';

/** Where the listing of a storage lives, under its prefix. */
export const LISTING_DIR = '_strata/';
/** The listing's name under {@link LISTING_DIR}. */
export const LISTING_NAME = 'live.json';

/** One live object, as the listing names it. Ids and lsn are decimal strings (they exceed 2^53). */
export interface ListedObject {
  readonly key: string;
  /** `s3://bucket/key`. */
  readonly url: string;
  /** The partition's range. */
  readonly min: string;
  readonly max: string;
  readonly events: number;
  readonly size: number;
  /** The object's generation (the number in its name). */
  readonly generation: number;
  /** `parquet`, or `strata` for an object written before the storage's format was Parquet. */
  readonly format: FileFormat;
}

/** The document `_strata/live.json`. */
export interface LiveListing {
  readonly kind: 'strata-live-listing';
  readonly version: 1;
  readonly storage: string;
  readonly storage_uuid: string;
  readonly cloud: string;
  readonly bucket: string;
  /** Rises with each write of this storage's listing by this database. */
  readonly sequence: number;
  /** The immutable snapshot this document was first written as. */
  readonly snapshot: string;
  /** When it was written (RFC 3339). */
  readonly written: string;
  readonly events: number;
  readonly size: number;
  /** In id order. */
  readonly objects: readonly ListedObject[];
}

/** One storage's listing: its state across writes. */
class Listing {
  /** A switch happened that no successful write has covered yet. */
  dirty = true;
  /** The write in flight, and whether another must follow it. */
  running: Promise<void> | null = null;
  again: Promise<void> | null = null;
  sequence = 0;
  /** Snapshots written, oldest first (the last two are kept). */
  readonly snapshots: string[] = [];
  /** The format of each object written or seen, by key. */
  readonly formats = new Map<string, FileFormat>();
  /** Set once the previous document (left by an earlier open) was read for its formats. */
  seeded = false;
}

/** The listings of a database's Parquet cloud storages, by storage uuid. */
export class LiveListings {
  private readonly byUuid = new Map<string, Listing>();

  /** Whether a listing is dirty with no write in flight: the background service writes it. */
  get dirty(): boolean {
    for (const l of this.byUuid.values()) if (l.dirty && l.running === null) return true;
    return false;
  }

  /** Whether `storage` keeps a listing: it has a cloud and writes Parquet. */
  static wants(ctx: EngineContext, storage: Storage): boolean {
    return typeof storage.record.options.cloud === 'string' && storage.effective(ctx.config).format === 'parquet';
  }

  private of(uuid: string): Listing {
    let l = this.byUuid.get(uuid);
    if (l === undefined) this.byUuid.set(uuid, (l = new Listing()));
    return l;
  }

  /** Records that the object `key` of `storage` is in `format` (a switch made it live); nothing for a storage without a listing. */
  noteFormat(ctx: EngineContext, storage: Storage, key: string, format: FileFormat): void {
    if (LiveListings.wants(ctx, storage)) this.of(storage.uuid).formats.set(key, format);
  }

  /**
   * After a switch on `storage`: marks its listing dirty and writes it; resolves once a
   * write that began after this call has succeeded. Nothing for a storage without a
   * listing. @throws StrataError `CLOUD` when the write fails (the listing stays dirty).
   */
  changed(ctx: EngineContext, storage: Storage, link: StorageCloud): Promise<void> {
    if (!LiveListings.wants(ctx, storage)) return Promise.resolve();
    const l = this.of(storage.uuid);
    l.dirty = true;
    return this.write(ctx, storage, link, l);
  }

  /**
   * Before a deletion of object `key` under a storage's prefix: resolves at once when
   * the storage's listing is clean (or it keeps none), else once it has been written.
   * @throws StrataError `CLOUD` when that write fails: the deletion must wait.
   */
  async clean(ctx: EngineContext, bucket: string, key: string): Promise<void> {
    const uuid = key.slice(0, key.indexOf('/'));
    const l = this.byUuid.get(uuid);
    const storage = ctx.storages.all().find((s) => s.uuid === uuid);
    if (storage === undefined || !LiveListings.wants(ctx, storage)) return;
    const link = linkOf(ctx, storage);
    if (link === null || link.bucket !== bucket) return;
    if (l !== undefined && !l.dirty) return;
    await this.write(ctx, storage, link, this.of(uuid));
  }

  /** Writes every dirty listing (open, the background service); failures stay dirty, and are returned. */
  async flush(ctx: EngineContext): Promise<StrataError[]> {
    const failed: StrataError[] = [];
    // storages dropped, or no longer Parquet on a cloud, keep no listing here
    const kept = new Set(ctx.storages.all().filter((s) => LiveListings.wants(ctx, s)).map((s) => s.uuid));
    for (const uuid of [...this.byUuid.keys()]) if (!kept.has(uuid) && this.byUuid.get(uuid)!.running === null) this.byUuid.delete(uuid);
    for (const storage of ctx.storages.all()) {
      if (!LiveListings.wants(ctx, storage)) continue;
      const l = this.of(storage.uuid);
      const link = linkOf(ctx, storage);
      if (!l.dirty || link === null) continue;
      try {
        await this.write(ctx, storage, link, l);
      } catch (e) {
        if (!(e instanceof StrataError)) throw e;
        failed.push(e);
      }
    }
    return failed;
  }

  /** Starts a write, or joins the one queued after the write in flight. */
  private write(ctx: EngineContext, storage: Storage, link: StorageCloud, l: Listing): Promise<void> {
    if (l.running === null) {
      l.running = this.writeOnce(ctx, storage, link, l).finally(() => {
        l.running = null;
      });
      return l.running;
    }
    // a write is in flight and may have read the partitions before this switch
    l.again ??= l.running.catch(() => undefined).then(() => {
      l.again = null;
      return this.write(ctx, storage, link, l);
    });
    return l.again;
  }

  private async writeOnce(ctx: EngineContext, storage: Storage, link: StorageCloud, l: Listing): Promise<void> {
    l.dirty = false;
    try {
      if (!l.seeded) await seed(link, l);
      const doc = await build(ctx, storage, link, l);
      const body = new TextEncoder().encode(`${JSON.stringify(doc, null, 1)}\n`);
      await link.ensureBucket();
      await link.client.put(doc.snapshot, body);
      await link.client.put(`${link.prefix}${LISTING_DIR}${LISTING_NAME}`, body);
      l.snapshots.push(doc.snapshot);
      while (l.snapshots.length > 2) await link.client.delete(l.snapshots.shift()!);
    } catch (e) {
      l.dirty = true;
      throw e;
    }
  }
}

/** The cloud side of `storage` (it has a cloud: the listing's storages do). */
function linkOf(ctx: EngineContext, storage: Storage): StorageCloud | null {
  return ctx.links.of(storage, ctx.clouds.find(storage.record.options.cloud as string));
}

/**
 * Reads what an earlier open left, once: the snapshots (one LIST, so that those a
 * crash left are deleted too) and the document, for its sequence and the formats of
 * its objects.
 */
async function seed(link: StorageCloud, l: Listing): Promise<void> {
  const key = `${link.prefix}${LISTING_DIR}${LISTING_NAME}`;
  const listed = await link.client.list(`${link.prefix}${LISTING_DIR}`);
  l.snapshots.push(...listed.map((o) => o.key).filter((k) => k !== key && !l.snapshots.includes(k)).sort());
  if (listed.some((o) => o.key === key)) {
    try {
      const old = JSON.parse(new TextDecoder().decode(await link.client.get(key))) as Partial<LiveListing>;
      if (typeof old.sequence === 'number') l.sequence = Math.max(l.sequence, old.sequence);
      for (const o of old.objects ?? []) if (!l.formats.has(o.key)) l.formats.set(o.key, o.format);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      // a damaged document is rewritten whole below
    }
  }
  l.seeded = true;
}

/** The document for `storage` now: every partition of it whose file is on the cloud. */
async function build(ctx: EngineContext, storage: Storage, link: StorageCloud, l: Listing): Promise<LiveListing> {
  const objects: ListedObject[] = [];
  let events = 0;
  let size = 0;
  for (const p of ctx.partitions.all) {
    const r = p.record;
    if (p.dropped || r.storage !== storage.name || !r.onCloud || r.file === 0) continue;
    const key = link.key(p.min, r.file);
    let format = l.formats.get(key) ?? p.remote?.file?.format;
    if (format === undefined) {
      // an object no listing named yet (a crash before its listing was written): ask it
      const tail = await link.client.getRange(key, r.size - 4, r.size);
      format = Buffer.from(tail).toString('latin1') === 'PAR1' ? 'parquet' : 'strata';
      l.formats.set(key, format);
    }
    objects.push({
      key, url: `s3://${link.bucket}/${key}`, min: p.min.toString(), max: p.max.toString(),
      events: r.events, size: r.size, generation: r.file, format,
    });
    events += r.events;
    size += r.size;
  }
  const live = new Set(objects.map((o) => o.key));
  for (const k of l.formats.keys()) if (!live.has(k)) l.formats.delete(k);
  const sequence = ++l.sequence;
  return {
    kind: 'strata-live-listing', version: 1, storage: storage.name, storage_uuid: storage.uuid, cloud: link.cloud, bucket: link.bucket,
    sequence, snapshot: `${link.prefix}${LISTING_DIR}live-${String(sequence).padStart(12, '0')}.json`,
    written: new Date().toISOString(), events, size, objects,
  };
}
