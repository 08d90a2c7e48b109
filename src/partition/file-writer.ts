/**
 * Writes a partition file (`docs/partition-format.md`, always format version 2) from
 * records given in ascending `(id, key)` order: cuts them into regions, compresses
 * (then encrypts, if asked) and writes each region as soon as it is full, and ends the
 * file with the region index and the footer, which names the partition the file is.
 *
 * A writer may also start from an existing file ({@link PartitionFileWriter.append}):
 * the new file then begins with the old file's regions, copied byte for byte, and its
 * index lists the old regions before the new ones.
 *
 * @module
 */
import { closeSync, constants, copyFileSync, fchmodSync, fsyncSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ioError, StrataError } from '../errors.ts';
import {
  checkKey,
  Codec,
  crc32,
  codecName,
  compress,
  encryptionName,
  encryptRegion,
  compareRecs,
  FLAG_DELETE,
  idJoin,
  MAX_KEY,
  compareRecKeys,
  putU32,
  recIdHi,
  recIdLo,
  recSize,
  RECORD_HEADER,
  REC_FLAGS,
  REC_KEY_LEN,
} from '../codec/index.ts';
import {
  INDEX_AAD, encodeEntry, encodeHeader, encodeIndexEntry, ENTRY_FIXED, HEADER_SIZE, MAX_REGION_SIZE, regionAad,
} from './file-format.ts';
import { checkIdentity, encodeFooter, type FileFormat, type FileIdentity, FOOTER_SIZE, VERSION } from './file-footer.ts';
import type { PartitionFile } from './file-reader.ts';
import { ParquetRegionWriter } from '../parquet/index.ts';

/** How a {@link PartitionFileWriter} writes its file. */
export interface FileWriterOptions {
  /** Uncompressed bytes per region, 1..MAX_REGION_SIZE; DEFAULT_REGION_SIZE (128 KiB) is the usual choice. */
  regionSize: number;
  /** Compression codec id (`Codec` of src/codec/compression.ts). */
  codec: number;
  /** Compression level (zstd: 1..19; ignored by `none` and `lz4`). */
  level: number;
  /** Encryption id (`Encryption` of src/codec/encryption.ts): 0 none, 1 aes. */
  encryption: number;
  /**
   * The 32-byte AES-256 key when `encryption` is 1 (copied by the writer); ignored
   * otherwise. It is never written to the file: the engine keeps it in the manifest.
   */
  key: Uint8Array | null;
  /** Fsync the file and its directory before {@link PartitionFileWriter.finish} returns. */
  sync: boolean;
  /**
   * Which partition the file is: its range, the generation in the file's name and the
   * highest WAL lsn whose events it holds. Recorded in the footer (not encrypted), so
   * that the file can be identified without the manifest or the key. Every event
   * written must lie inside `[min, max]`.
   */
  identity: FileIdentity;
  /**
   * The file's format (the storage option `format`): Strata's own (the default), or
   * Parquet, one row group per region (`docs/parquet-format.md`), which takes no
   * encryption and compresses with zstd at `level` or not at all (`codec` none; lz4 is
   * taken as zstd).
   */
  format?: FileFormat;
}

/** The regions a writer starts from: the first `regions` of `file` ({@link PartitionFileWriter.append}). */
export interface AppendBase {
  readonly file: PartitionFile;
  readonly regions: number;
}

/** What {@link PartitionFileWriter.finish} wrote. */
export interface FileSummary {
  regions: number;
  events: number;
  /** File size in bytes. */
  size: number;
  /** Sum of the regions' uncompressed sizes. */
  sizeUncompressed: number;
}

const OP = 'write partition file';

/**
 * Records up to this size are copied into the region 4 bytes at a time through
 * DataViews (no allocation); larger ones with one `set` of a subarray, whose
 * allocation the copy outweighs.
 */
const SMALL_RECORD = 192;

/**
 * Builds one partition file. Not reusable: after {@link finish} or {@link abort} every
 * call but `abort` throws. Synchronous, so run it in a worker for big files. A record
 * larger than `regionSize` gets a region of its own; other regions hold at most
 * `regionSize` bytes. A file with 0 events is valid (its min and max ids are 0).
 */
export class PartitionFileWriter {
  /** The file being written. */
  readonly path: string;
  private fd = -1;
  private done = false;
  private readonly opts: FileWriterOptions;
  private readonly region: Buffer;
  private readonly regionView: DataView;
  private regionLen = 0;
  private regionEvents = 0;
  private lastOff = 0;
  /** The previous record (in `region` or `saved`), for the order check. */
  private prevBuf: Uint8Array;
  private prevOff = 0;
  private readonly saved = Buffer.allocUnsafe(RECORD_HEADER + MAX_KEY);
  private index = Buffer.allocUnsafe(4096);
  private indexLen = 0;
  private pos = HEADER_SIZE;
  private regions = 0;
  private events = 0;
  private sizeUncompressed = 0;
  private minHi = 0;
  private minLo = 0;
  /** The Parquet encoder of a file in Parquet, else null. */
  private parquet: ParquetRegionWriter | null = null;
  /** DataViews of the source buffers that small records were copied from. */
  private views = new WeakMap<ArrayBufferLike, DataView>();

  /**
   * Creates the file at `path` exclusively (it must not exist) and writes its header.
   * @throws StrataError `INVALID_INPUT` on bad options: region size out of range, an
   *   unknown codec or encryption id, encryption without a 32-byte key, an identity
   *   whose range is not `min <= max` in 0..2^64-1, whose generation is not in
   *   1..2^53-1 or whose lsn is not in 0..2^64-1 (nothing is created); `IO` if the file
   *   cannot be created (`EEXIST` included).
   * @param base regions of an existing file to start from; {@link append} is the way to
   *   pass them, and says what it does.
   */
  constructor(path: string, options: FileWriterOptions, base: AppendBase | null = null) {
    const { regionSize, codec, encryption, key, identity } = options;
    if (!Number.isInteger(regionSize) || regionSize < 1 || regionSize > MAX_REGION_SIZE) {
      throw new StrataError('INVALID_INPUT', `${OP}: region size ${regionSize} is outside 1..${MAX_REGION_SIZE}`);
    }
    if (codecName(codec) === undefined) throw new StrataError('INVALID_INPUT', `${OP}: unknown codec id ${codec}`);
    if (encryptionName(encryption) === undefined) {
      throw new StrataError('INVALID_INPUT', `${OP}: unknown encryption id ${encryption}`);
    }
    if (encryption !== 0) checkKey(key, `${OP}: ${path}`);
    checkIdentity(identity, `${OP}: ${path}`);
    const parquet = options.format === 'parquet';
    if (parquet && encryption !== 0) {
      throw new StrataError('INVALID_INPUT', `${OP}: ${path}: format 'parquet' takes no encryption (Parquet modular encryption is not supported); use format 'strata' to encrypt`);
    }
    if (parquet && base !== null) throw new StrataError('INVALID_INPUT', `${OP}: ${path}: a Parquet file does not start from another file's regions`);
    if (options.format !== undefined && !parquet && options.format !== 'strata') {
      throw new StrataError('INVALID_INPUT', `${OP}: unknown format '${String(options.format)}'; the formats are strata and parquet`);
    }
    this.path = path;
    // a copy of the key (the caller may reuse or wipe its own) and of the identity
    this.opts = { ...options, key: encryption === 0 || key === null ? null : Uint8Array.from(key), identity: { ...identity } };
    this.region = Buffer.allocUnsafe(regionSize);
    this.regionView = new DataView(this.region.buffer, this.region.byteOffset, this.region.byteLength);
    this.prevBuf = this.region;
    if (base !== null) {
      this.startFrom(base);
      return;
    }
    try {
      // private to the owner (mode 0600): the data may be all the encryption protects
      this.fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      throw ioError(OP, path, e);
    }
    try {
      if (parquet) {
        this.parquet = new ParquetRegionWriter((b, pos) => this.write(b, pos), { compressed: codec !== Codec.none, level: options.level });
      } else {
        this.write(encodeHeader(VERSION), 0);
      }
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /**
   * Starts a new file at `path` (it must not exist) with the first `regions` regions of
   * the open file `base` (all of them by default), copied byte for byte (a clone where
   * the file system makes one, else a copy in the kernel; never decompressed): records
   * added then sort after the last event of those regions and go into new regions,
   * numbered on from them (the number is the AAD of an encrypted region); `finish`
   * writes an index of the kept regions and the new ones, and a footer with the totals
   * of both and `options.identity`. The kept regions are not read: one damaged on disk
   * stays so in the new file, where a read finds it by its crc as before. `base` stays
   * open and unchanged, and may be closed once this returns.
   * REQUIRES: `base` was written with `options`' codec and encryption, under the same
   * key; 0 <= `regions` <= `base.regions`.
   * @throws StrataError as the constructor; `INVALID_INPUT` when `base`'s codec,
   *   encryption or key differ from `options`, or `regions` is out of range (nothing is
   *   created).
   */
  static append(path: string, options: FileWriterOptions, base: PartitionFile, regions = base.regions): PartitionFileWriter {
    return new PartitionFileWriter(path, options, { file: base, regions });
  }

  /** Copies the header and the first `regions` regions of `base` to the new file and takes over their index entries and totals. */
  private startFrom({ file: base, regions: n }: AppendBase): void {
    const o = this.opts;
    if (base.codec !== o.codec || base.encryption !== o.encryption || !base.sameKey(o.key)) {
      throw new StrataError('INVALID_INPUT', `${OP}: ${this.path}: cannot start from ${base.path}: it was written with another codec, encryption or key`);
    }
    if (!(Number.isInteger(n) && n >= 0 && n <= base.regions)) {
      throw new StrataError('INVALID_INPUT', `${OP}: ${this.path}: cannot keep ${n} regions of ${base.path}, which has ${base.regions}`);
    }
    const x = base.index;
    const end = n === 0 ? HEADER_SIZE : x.offsets[n - 1]! + x.sizes[n - 1]!;
    try {
      copyFileSync(base.path, this.path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    } catch (e) {
      // a copy that failed half way leaves a partial file; an existing one is not ours
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') this.abort();
      throw ioError(OP, this.path, e);
    }
    try {
      this.fd = openSync(this.path, 'r+');
      fchmodSync(this.fd, 0o600);
      // cut off what is not kept, the old index and footer: the new ones follow the new regions
      ftruncateSync(this.fd, end);
    } catch (e) {
      this.abort();
      throw ioError(OP, this.path, e);
    }
    try {
      if (base.version !== VERSION) this.write(encodeHeader(VERSION), 0);
    } catch (e) {
      this.abort();
      throw e;
    }
    for (let i = 0; i < n; i++) {
      this.reserve(ENTRY_FIXED + x.minKeys[i]!.length + x.maxKeys[i]!.length);
      this.indexLen = encodeIndexEntry(this.index, this.indexLen, x, i);
      this.events += x.events[i]!;
      this.sizeUncompressed += x.sizesUncompressed[i]!;
    }
    this.pos = end;
    this.regions = n;
    if (n > 0) {
      this.minHi = x.minHi[0]!;
      this.minLo = x.minLo[0]!;
      // the last kept event (its id and key) is the previous record from now on
      const k = x.maxKeys[n - 1]!;
      putU32(this.saved, 0, x.maxLo[n - 1]!);
      putU32(this.saved, 4, x.maxHi[n - 1]!);
      putU32(this.saved, 8, 0);
      this.saved[REC_KEY_LEN] = k.length;
      this.saved[REC_FLAGS] = 0;
      this.saved.set(k, RECORD_HEADER);
      this.prevBuf = this.saved;
      this.prevOff = 0;
    }
  }

  /**
   * Appends the record at `off` in `buf` (copied; `buf` may be reused at once).
   * REQUIRES: the record sorts strictly after the previous one and is not a delete.
   * @throws StrataError `INTERNAL` when a requirement is broken or the record runs past
   *   `buf`; `IO` when a region write fails (then call {@link abort}).
   */
  add(buf: Uint8Array, off: number): void {
    const size = recSize(buf, off);
    if (this.done || !(off >= 0 && off + size <= buf.length) || (buf[off + REC_FLAGS]! & FLAG_DELETE) !== 0) {
      throw this.misuse(buf, off, size);
    }
    if (this.events === 0) {
      this.minHi = recIdHi(buf, off);
      this.minLo = recIdLo(buf, off);
    } else if (compareRecs(this.prevBuf, this.prevOff, buf, off) >= 0) {
      throw this.misuse(buf, off, size);
    }
    if (this.regionLen > 0 && this.regionLen + size > this.opts.regionSize) this.cut();
    this.events++;
    if (size > this.opts.regionSize) {
      // a big record is a region alone, written straight from `buf`
      this.writeRegion(buf.subarray(off, off + size), 1, buf, off, off);
      this.save(buf, off);
      return;
    }
    const at = this.regionLen;
    if (size <= SMALL_RECORD) this.copySmall(buf, off, size, at);
    else this.region.set(buf.subarray(off, off + size), at);
    this.prevBuf = this.region;
    this.prevOff = this.lastOff = at;
    this.regionLen = at + size;
    this.regionEvents++;
  }

  /** Bytes left in the region being filled: what a run may hold to go in with one copy. */
  get room(): number {
    return this.opts.regionSize - this.regionLen;
  }

  /**
   * Writes the region being filled (if it holds records), so that the next record
   * starts a new one. The file is the one {@link add} would make when this is called
   * only before a record that does not fit in the {@link room} left.
   * @throws StrataError `IO` as {@link add}; `INTERNAL` after {@link finish} or {@link abort}.
   */
  endRegion(): void {
    if (this.done) throw this.misuse(this.region, 0, 0);
    if (this.regionLen > 0) this.cut();
  }

  /** Whether the region being filled holds nothing yet. */
  get regionEmpty(): boolean {
    return this.regionLen === 0;
  }

  /**
   * Appends `events` consecutive records that fill `buf` from `start` to `end`, the
   * last of which starts at `last`. When they fit in the {@link room} left they go in
   * with one copy, and are checked as a whole: they lie inside `buf`, back to back up
   * to `end` as far as the last record's size says, the first and the last are no
   * deletes, the first sorts after the previous record and the last after the first.
   * When they do not fit they are taken record by record, each checked as by
   * {@link add}, and the regions are cut where `add` would cut them. `buf` may be
   * reused once it returns.
   * REQUIRES: the records are in strictly ascending `(id, key)` order and none is a
   * delete (a memtable's entries, a region of a file).
   * @throws StrataError `INTERNAL` when a check fails (records before the fault may
   *   have been written: call {@link abort}); `IO` as {@link add}.
   */
  addRun(buf: Uint8Array, start: number, end: number, events: number, last: number): void {
    if (end - start > this.room) {
      this.addEach(buf, start, end, events);
      return;
    }
    this.checkRun(buf, start, end, events, last);
    this.take(buf, start, end, events, last);
  }

  /**
   * Writes `events` consecutive records that fill `buf` from `start` to `end`, the
   * last at `last`, as one region of their own, compressed straight from `buf` (no
   * copy). Checked as {@link addRun} checks a run that fits. For the file to be cut
   * where {@link add} would cut it, the caller passes a run that fills a region: one
   * whose next record would not fit.
   * REQUIRES: as {@link addRun}; {@link regionEmpty}; `end - start` at most the region size.
   * @throws as {@link addRun}.
   */
  addRegion(buf: Uint8Array, start: number, end: number, events: number, last: number): void {
    if (this.regionLen !== 0 || end - start > this.opts.regionSize) throw this.misuse(buf, start, end - start);
    this.checkRun(buf, start, end, events, last);
    this.events += events;
    this.writeRegion(buf.subarray(start, end), events, buf, start, last);
    this.save(buf, last);
  }

  /** The checks of a run taken whole (see {@link addRun}). */
  private checkRun(buf: Uint8Array, start: number, end: number, events: number, last: number): void {
    const ok = !this.done && start >= 0 && start <= last && last + RECORD_HEADER <= end && end <= buf.length &&
      last + recSize(buf, last) === end && events >= 1 && events * RECORD_HEADER <= end - start &&
      (events === 1) === (last === start) &&
      (buf[start + REC_FLAGS]! & FLAG_DELETE) === 0 && (buf[last + REC_FLAGS]! & FLAG_DELETE) === 0 &&
      (last === start || compareRecs(buf, start, buf, last) < 0);
    if (!ok) throw this.misuse(buf, start, end - start);
    if (this.events === 0) {
      this.minHi = recIdHi(buf, start);
      this.minLo = recIdLo(buf, start);
    } else if (compareRecs(this.prevBuf, this.prevOff, buf, start) >= 0) {
      throw this.misuse(buf, start, end - start);
    }
  }

  /** Takes the records of `buf[start, end)` one after the other, with the checks of {@link add}, cutting regions as it would. */
  private addEach(buf: Uint8Array, start: number, end: number, events: number): void {
    if (this.done || !(start >= 0 && start < end && end <= buf.length)) throw this.misuse(buf, start, end - start);
    const regionSize = this.opts.regionSize;
    // records [chunk, off) are checked and wait to be copied into the region; `prev` is
    // the last of them (-1: none)
    let chunk = start;
    let chunkEvents = 0;
    let prev = -1;
    let n = 0;
    let prevHi = 0;
    let prevLo = 0;
    for (let off = start; off < end;) {
      if (off + RECORD_HEADER > end) throw this.misuse(buf, off, end - off);
      const size = recSize(buf, off);
      const next = off + size;
      if (next > end || (buf[off + REC_FLAGS]! & FLAG_DELETE) !== 0) throw this.misuse(buf, off, size);
      const hi = recIdHi(buf, off);
      const lo = recIdLo(buf, off);
      if (prev >= 0) {
        if (hi < prevHi || (hi === prevHi && (lo < prevLo || (lo === prevLo && compareRecKeys(buf, prev, buf, off) >= 0)))) {
          throw this.misuse(buf, off, size);
        }
      } else if (this.events === 0) {
        this.minHi = hi;
        this.minLo = lo;
      } else if (compareRecs(this.prevBuf, this.prevOff, buf, off) >= 0) {
        throw this.misuse(buf, off, size);
      }
      // the region is cut where add() would cut it: before a record that does not fit
      const held = this.regionLen + (off - chunk);
      if (held > 0 && held + size > regionSize) {
        if (this.regionLen === 0) {
          // a whole region of this run: compressed straight from `buf`, no copy
          this.events += chunkEvents;
          this.writeRegion(buf.subarray(chunk, off), chunkEvents, buf, chunk, prev);
          this.save(buf, prev);
        } else {
          if (chunkEvents > 0) this.take(buf, chunk, off, chunkEvents, prev);
          this.cut();
        }
        chunk = off;
        chunkEvents = 0;
      }
      if (size > regionSize) {
        // a big record is a region alone, written straight from `buf`
        this.events++;
        this.writeRegion(buf.subarray(off, next), 1, buf, off, off);
        this.save(buf, off);
        chunk = next;
      } else {
        chunkEvents++;
      }
      prev = off;
      prevHi = hi;
      prevLo = lo;
      off = next;
      n++;
    }
    if (chunkEvents > 0) this.take(buf, chunk, end, chunkEvents, prev);
    if (n !== events) throw this.misuse(buf, start, end - start);
  }

  /** Copies the checked records `buf[from, to)`, `events` of them, the last at `last`, into the region. */
  private take(buf: Uint8Array, from: number, to: number, events: number, last: number): void {
    const at = this.regionLen;
    this.region.set(buf.subarray(from, to), at);
    this.prevBuf = this.region;
    this.prevOff = this.lastOff = at + (last - from);
    this.regionLen = at + (to - from);
    this.regionEvents += events;
    this.events += events;
  }

  /** Copies the `size` bytes at `off` in `buf` to `at` in the region, without allocating. */
  private copySmall(buf: Uint8Array, off: number, size: number, at: number): void {
    const dst = this.regionView;
    let src = this.views.get(buf.buffer);
    if (src === undefined) {
      src = new DataView(buf.buffer);
      this.views.set(buf.buffer, src);
    }
    const base = buf.byteOffset + off;
    let i = 0;
    for (; i + 4 <= size; i += 4) dst.setUint32(at + i, src.getUint32(base + i));
    const region = this.region;
    for (; i < size; i++) region[at + i] = buf[off + i]!;
  }

  /**
   * Writes the last region, the index and the footer, fsyncs the file and its
   * directory if `sync`, and closes the file. After it returns the file belongs to
   * the caller ({@link abort} no longer removes it).
   * @throws StrataError `IO` (then call {@link abort}); `INTERNAL` if already finished,
   *   or if the first or last event lies outside the identity's range (a caller's bug:
   *   call {@link abort}; no reader would accept the file).
   */
  finish(): FileSummary {
    if (this.done) throw new StrataError('INTERNAL', `${OP}: ${this.path}: writer already finished or aborted`);
    const events = this.events;
    const maxHi = events === 0 ? 0 : recIdHi(this.prevBuf, this.prevOff);
    const maxLo = events === 0 ? 0 : recIdLo(this.prevBuf, this.prevOff);
    // the events are sorted: checking the first and the last checks them all
    const { min, max } = this.opts.identity;
    const first = idJoin(this.minHi, this.minLo);
    const last = idJoin(maxHi, maxLo);
    if (events > 0 && (first < min || last > max)) {
      throw new StrataError('INTERNAL', `${OP}: ${this.path}: events [${first}, ${last}] do not lie inside the partition range [${min}, ${max}]`);
    }
    if (this.regionLen > 0) this.cut();
    if (this.parquet !== null) return this.close(this.parquet.finish(this.opts.identity), events);
    // the index (encrypted like the regions: it holds event keys) and the footer go
    // out in one write
    if (this.opts.key !== null) {
      const sealed = encryptRegion(this.opts.key, INDEX_AAD, this.index.subarray(0, this.indexLen));
      this.indexLen = 0;
      this.reserve(sealed.length);
      this.index.set(sealed, 0);
      this.indexLen = sealed.length;
    }
    this.reserve(FOOTER_SIZE);
    const indexSize = this.indexLen;
    encodeFooter(this.index, indexSize, {
      indexOffset: this.pos, indexSize, indexCrc: crc32(this.index.subarray(0, indexSize)),
      regions: this.regions, events, sizeUncompressed: this.sizeUncompressed,
      minHi: this.minHi, minLo: this.minLo, maxHi, maxLo,
      codec: this.opts.codec, encryption: this.opts.encryption, identity: this.opts.identity,
    });
    const size = this.pos + indexSize + FOOTER_SIZE;
    this.write(this.index.subarray(0, indexSize + FOOTER_SIZE), this.pos);
    return this.close(size, events);
  }

  /** Fsyncs (when asked) and closes the finished file of `size` bytes; the summary. */
  private close(size: number, events: number): FileSummary {
    try {
      if (this.opts.sync) fsyncSync(this.fd);
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
      if (this.opts.sync) syncDir(dirname(this.path));
    } catch (e) {
      throw ioError(OP, this.path, e);
    }
    this.done = true;
    return { regions: this.regions, events, size, sizeUncompressed: this.sizeUncompressed };
  }

  /** Closes and removes the partial file. Never throws; does nothing after {@link finish} returned. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // the file is removed anyway
      }
      this.fd = -1;
    }
    try {
      unlinkSync(this.path);
    } catch {
      // already gone, or the directory is unreachable: nothing more to do here
    }
  }

  /** Compresses, encrypts if asked, and writes the buffered region. */
  private cut(): void {
    this.writeRegion(this.region.subarray(0, this.regionLen), this.regionEvents, this.region, 0, this.lastOff);
    this.save(this.region, this.lastOff);
    this.regionLen = 0;
    this.regionEvents = 0;
  }

  /** Writes one region whose records are `data`; the first and last are at `first`/`last` in `src`. */
  private writeRegion(data: Uint8Array, events: number, src: Uint8Array, first: number, last: number): void {
    if (data.length > 0xffffffff) throw new StrataError('INVALID_INPUT', `${OP}: ${this.path}: record over 4 GiB`);
    if (this.parquet !== null) {
      this.parquet.writeRegion(data, events);
      this.pos = this.parquet.size;
      this.regions++;
      this.sizeUncompressed += data.length;
      return;
    }
    let stored = compress(this.opts.codec, this.opts.level, data);
    if (this.opts.key !== null) stored = encryptRegion(this.opts.key, regionAad(this.regions), stored);
    // the crc covers the stored bytes, so damage is found without the key
    const crc = crc32(stored);
    this.write(stored, this.pos);
    this.reserve(ENTRY_FIXED + 2 * MAX_KEY);
    this.indexLen = encodeEntry(this.index, this.indexLen, this.pos, stored.length, data.length, events, crc, src, first, src, last);
    this.pos += stored.length;
    this.regions++;
    this.sizeUncompressed += data.length;
  }

  /** Copies the header and key of the record at `off` to `saved`: the previous record from now on. */
  private save(buf: Uint8Array, off: number): void {
    const n = RECORD_HEADER + buf[off + REC_KEY_LEN]!;
    for (let i = 0; i < n; i++) this.saved[i] = buf[off + i]!;
    this.prevBuf = this.saved;
    this.prevOff = 0;
  }

  /** Makes room for `n` more bytes in the index buffer. */
  private reserve(n: number): void {
    if (this.indexLen + n <= this.index.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.index.length * 2, this.indexLen + n));
    bigger.set(this.index.subarray(0, this.indexLen));
    this.index = bigger;
  }

  /** Writes all of `data` at file offset `pos`. */
  private write(data: Uint8Array, pos: number): void {
    try {
      for (let done = 0; done < data.length;) {
        done += writeSync(this.fd, data, done, data.length - done, pos + done);
      }
    } catch (e) {
      throw ioError(OP, this.path, e);
    }
  }

  private misuse(buf: Uint8Array, off: number, size: number): StrataError {
    const why = this.done
      ? 'writer already finished or aborted'
      : `record at offset ${off} (size ${size}, buffer ${buf.length}) runs past its buffer, is a delete, or does not sort after the previous record`;
    return new StrataError('INTERNAL', `${OP}: ${this.path}: ${why}`);
  }
}

/** Fsyncs directory `dir` so that a new entry in it is durable. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
