/**
 * Writes a partition file (`docs/partition-format.md`, always format version 2) from
 * records given in ascending `(id, key)` order: cuts them into regions, compresses
 * (then encrypts, if asked) and writes each region as soon as it is full, and ends the
 * file with the region index and the footer, which names the partition the file is.
 *
 * @module
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ioError, StrataError } from '../errors.ts';
import {
  checkKey,
  crc32,
  codecName,
  compress,
  encryptionName,
  encryptRegion,
  compareRecs,
  FLAG_DELETE,
  idJoin,
  MAX_KEY,
  recIdHi,
  recIdLo,
  recSize,
  RECORD_HEADER,
  REC_FLAGS,
  REC_KEY_LEN,
} from '../codec/index.ts';
import { INDEX_AAD, encodeEntry, encodeHeader, ENTRY_FIXED, HEADER_SIZE, MAX_REGION_SIZE, regionAad } from './file-format.ts';
import { checkIdentity, encodeFooter, type FileIdentity, FOOTER_SIZE, VERSION } from './file-footer.ts';

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
 * Builds one partition file. Not reusable: after {@link finish} or {@link abort} every
 * call but `abort` throws. Synchronous, so run it in a worker for big files. A record
 * larger than `regionSize` gets a region of its own; other regions hold at most
 * `regionSize` bytes. A file with 0 events is valid (its min and max ids are 0).
 */
export class PartitionFileWriter {
  /** The file being written. */
  readonly path: string;
  private fd: number;
  private done = false;
  private readonly opts: FileWriterOptions;
  private readonly region: Buffer;
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

  /**
   * Creates the file at `path` exclusively (it must not exist) and writes its header.
   * @throws StrataError `INVALID_INPUT` on bad options: region size out of range, an
   *   unknown codec or encryption id, encryption without a 32-byte key, an identity
   *   whose range is not `min <= max` in 0..2^64-1, whose generation is not in
   *   1..2^53-1 or whose lsn is not in 0..2^64-1 (nothing is created); `IO` if the file
   *   cannot be created (`EEXIST` included).
   */
  constructor(path: string, options: FileWriterOptions) {
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
    this.path = path;
    // a copy of the key (the caller may reuse or wipe its own) and of the identity
    this.opts = { ...options, key: encryption === 0 || key === null ? null : Uint8Array.from(key), identity: { ...identity } };
    this.region = Buffer.allocUnsafe(regionSize);
    this.prevBuf = this.region;
    try {
      // private to the owner (mode 0600): the data may be all the encryption protects
      this.fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      throw ioError(OP, path, e);
    }
    try {
      this.write(encodeHeader(VERSION), 0);
    } catch (e) {
      this.abort();
      throw e;
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
    const region = this.region;
    let at = this.regionLen;
    if (size <= 64) {
      for (let i = off, end = off + size; i < end; i++) region[at++] = buf[i]!;
    } else {
      region.set(buf.subarray(off, off + size), at);
    }
    this.prevBuf = region;
    this.prevOff = this.lastOff = this.regionLen;
    this.regionLen += size;
    this.regionEvents++;
  }

  /**
   * Appends `events` consecutive records that fill `buf` from `start` to `end`, the
   * last of which starts at `last`: one copy per region instead of one per record.
   * REQUIRES: the records are sorted, unique and not deletes, and the first sorts
   * after the previous record; only the first is checked.
   * @throws as {@link add}.
   */
  addRun(buf: Uint8Array, start: number, end: number, events: number, last: number): void {
    if (this.done || !(start >= 0 && start <= last && last + recSize(buf, last) === end && end <= buf.length && events >= 1)) {
      throw this.misuse(buf, start, end - start);
    }
    const room = this.opts.regionSize - this.regionLen;
    if (end - start > room || this.events === 0) {
      // the run does not fit in the current region: take it record by record
      let n = 0;
      for (let off = start; off < end; off += recSize(buf, off), n++) this.add(buf, off);
      if (n !== events) throw this.misuse(buf, start, end - start);
      return;
    }
    if (compareRecs(this.prevBuf, this.prevOff, buf, start) >= 0 || (buf[start + REC_FLAGS]! & FLAG_DELETE) !== 0) {
      throw this.misuse(buf, start, end - start);
    }
    this.region.set(buf.subarray(start, end), this.regionLen);
    this.prevBuf = this.region;
    this.prevOff = this.lastOff = this.regionLen + (last - start);
    this.regionLen += end - start;
    this.regionEvents += events;
    this.events += events;
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
