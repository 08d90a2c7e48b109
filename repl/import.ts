/**
 * `strata import dir FILE`: writes the events of an Arrow IPC file or stream, or of
 * JSON lines (the format `strata export --format jsonl` writes: docs/arrow.md), with a
 * progress line on a terminal and a summary.
 *
 * An IPC file (the file format) is read whole and written as one batch. An IPC stream is
 * written a record batch at a time (`db.writeArrow` of a byte stream), and JSON lines
 * 10,000 lines at a time; each batch is atomic, and bad input stops the import there:
 * the error names the line (or record batch) and says what was written before it.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import { BatchBuilder, type Bytes, MAX_ID, Strata, StrataError, isStrataError } from '../src/index.ts';
import type { ImportArgs, TransferFormat } from './args.ts';
import { palette, wantsColour } from './colour.ts';
import { errorLine } from './render.ts';
import { TransferProgress } from './transfer-progress.ts';

/** Lines per batch. */
const LINES = 10_000;
/** Bytes of lines per batch. */
const BATCH_BYTES = 4 * 1024 * 1024;

/** What the first bytes of `file` say it is: an IPC file, an IPC stream, or JSON lines. */
function sniff(file: string): TransferFormat | 'arrow-file' {
  const head = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, 8, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n >= 6 && head.subarray(0, 6).toString('latin1') === 'ARROW1') return 'arrow-file';
  if (n >= 4 && head.readUInt32LE(0) === 0xffffffff) return 'arrow';
  return 'jsonl';
}

/** One event of a JSON line. */
interface LineEvent {
  readonly id: bigint | null;
  readonly key: Bytes | undefined;
  readonly value: Bytes | undefined;
  readonly del: boolean;
}

const FIELDS = new Set(['id', 'key', 'key_base64', 'value', 'value_base64', 'delete']);

function bad(line: number, what: string): StrataError {
  return new StrataError('INVALID_INPUT', `import: line ${line}: ${what}`);
}

function bytesField(o: Record<string, unknown>, name: string, line: number): Bytes | undefined {
  const text = o[name];
  const b64 = o[`${name}_base64`];
  if (text !== undefined && text !== null && b64 !== undefined && b64 !== null) throw bad(line, `"${name}" and "${name}_base64" both given; give one`);
  if (text !== undefined && text !== null) {
    if (typeof text !== 'string') throw bad(line, `"${name}" is text (a JSON string); use "${name}_base64" for bytes`);
    return text;
  }
  if (b64 !== undefined && b64 !== null) {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw bad(line, `"${name}_base64" is not base64`);
    return Buffer.from(b64, 'base64');
  }
  return undefined;
}

/** Parses one JSON line. */
export function parseLine(text: string, line: number): LineEvent {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw bad(line, `not JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad(line, 'a line is a JSON object with id, key and value');
  const rec = o as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!FIELDS.has(k)) throw bad(line, `unknown field "${k}": the fields are id, key (or key_base64), value (or value_base64) and delete`);
  let id: bigint | null = null;
  const raw = rec.id;
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 0) throw bad(line, `"id" ${raw} is not an id; write ids above 2^53-1 as strings`);
    id = BigInt(raw);
  } else if (typeof raw === 'string') {
    if (!/^\d+$/.test(raw) || BigInt(raw) > MAX_ID) throw bad(line, `"id" "${raw}" is not an id (0 to 2^64-1)`);
    id = BigInt(raw);
  } else if (raw !== undefined && raw !== null) throw bad(line, '"id" is a number, a string of digits, or null (a serial id)');
  const del = rec.delete ?? false;
  if (typeof del !== 'boolean') throw bad(line, '"delete" is true or false');
  const key = bytesField(rec, 'key', line);
  const value = bytesField(rec, 'value', line);
  if (del) {
    if (id === null) throw bad(line, 'a delete needs the "id" of the event');
    if (value !== undefined && value.length > 0) throw bad(line, 'a delete has no value');
  } else if (value === undefined) throw bad(line, 'no "value" (or "value_base64")');
  return { id, key, value, del };
}

function add(b: BatchBuilder, e: LineEvent, line: number): void {
  try {
    if (e.del) b.delete(e.id!, e.key);
    else if (e.id === null) b.append(e.key, e.value);
    else b.insert(e.id, e.key, e.value);
  } catch (x) {
    if (isStrataError(x)) throw bad(line, x.message.replace(/^batch: /, ''));
    throw x;
  }
}

/** Writes JSON lines a batch at a time. */
async function importJsonl(db: Strata, input: Readable, progress: TransferProgress): Promise<void> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const b = new BatchBuilder();
  let line = 0;
  let pending = 0;
  const flush = async (): Promise<void> => {
    if (b.count === 0) return;
    const r = await db.write(b);
    progress.events += r.events;
    b.reset();
    pending = 0;
  };
  try {
    for await (const text of lines) {
      line++;
      progress.bytes += Buffer.byteLength(text) + 1;
      if (text.trim() === '') continue;
      add(b, parseLine(text, line), line);
      pending += text.length;
      if (b.count >= LINES || pending >= BATCH_BYTES) await flush();
    }
    await flush();
  } catch (e) {
    if (!isStrataError(e)) throw e;
    const before = progress.events === 0 ? 'nothing was written' : `the ${progress.events} events before its batch were written`;
    throw new StrataError(e.code, `${e.message}; ${before}`, { cause: e });
  }
}

/** Counts the bytes of `input` as they pass. */
async function* counted(input: Readable, progress: TransferProgress): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    progress.bytes += (chunk as Uint8Array).length;
    yield chunk as Uint8Array;
  }
}

/** Runs `strata import`; returns the exit status (0 done, 1 failed). */
export async function runImport(args: ImportArgs): Promise<number> {
  const { stderr } = process;
  const progress = new TransferProgress('import', stderr);
  let db: Strata | null = null;
  try {
    const format = args.format ?? sniff(args.file);
    db = await Strata.open(args.dir);
    const input = (): Readable => (args.file === '-' ? process.stdin : fs.createReadStream(args.file));
    if (format === 'jsonl') await importJsonl(db, input(), progress);
    else if (format === 'arrow-file' || (args.file !== '-' && sniff(args.file) === 'arrow-file')) {
      const bytes = fs.readFileSync(args.file);
      progress.bytes = bytes.length;
      progress.events = (await db.writeArrow(bytes)).events;
    } else {
      progress.events = (await db.writeArrow(counted(input(), progress))).events;
    }
    progress.done(`from ${args.file === '-' ? 'standard input' : args.file}`);
    return 0;
  } catch (e) {
    progress.stop();
    stderr.write(`${errorLine(e, palette(wantsColour(stderr, process.env, null)))}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}
