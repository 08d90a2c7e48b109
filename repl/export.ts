/**
 * `strata export dir`: the events of `[from, to]` as an Arrow IPC stream
 * (`db.exportArrow`), as JSON lines or as one Parquet file (`db.exportParquet`), to
 * standard output or a file, with backpressure (a slow pipe holds the scan back), a
 * progress line on a terminal and a summary.
 *
 * JSON lines: one object per event, `{"id": ..., "key": ..., "value": ...}`; an id
 * above 2^53-1 is a string (so that every JSON reader reads it exactly); a key or value
 * that is not UTF-8 text is `key_base64` / `value_base64` instead; no key, no `key`.
 *
 * @module
 */
import * as fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type CursorOptions, Strata, StrataError, eventJson } from '../src/index.ts';
import type { ExportArgs } from './args.ts';
import { palette, wantsColour } from './colour.ts';
import { errorLine } from './render.ts';
import { TransferProgress } from './transfer-progress.ts';

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text) && out.writableNeedDrain) await once(out, 'drain');
}

async function exportJsonl(db: Strata, range: CursorOptions, out: Writable, progress: TransferProgress): Promise<void> {
  const c = db.cursor(range);
  try {
    let chunk = '';
    while (c.next() || (await c.nextAsync())) {
      const e = c.event;
      const line = `${eventJson(e.id, e.key, e.value)}\n`;
      chunk += line;
      progress.events++;
      progress.bytes += line.length;
      if (chunk.length >= 64 * 1024) {
        await write(out, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) await write(out, chunk);
  } finally {
    c.close();
  }
}

/** Ends `out` (a file) and waits until it is closed, or resolves at once for standard output. */
async function finish(out: Writable): Promise<void> {
  if (out === process.stdout) return;
  out.end();
  await once(out, 'close');
}

/** True when `e` (or its cause) is EPIPE: the other end of the pipe was closed. */
function isBrokenPipe(e: unknown): boolean {
  for (let x = e, depth = 0; typeof x === 'object' && x !== null && depth < 3; x = (x as { cause?: unknown }).cause, depth++) {
    if ((x as { code?: unknown }).code === 'EPIPE') return true;
  }
  return false;
}

/** Writes `range` to `out` as Arrow or JSON lines, and ends `out` (a file). */
async function exportStream(db: Strata, format: 'arrow' | 'jsonl', range: CursorOptions, out: Writable, progress: TransferProgress): Promise<void> {
  if (format === 'arrow') {
    const r = await db.exportArrow(out, {
      ...range,
      onBatch: (sofar) => {
        progress.events = sofar.rows;
        progress.bytes = sofar.bytes;
      },
    });
    progress.bytes = r.bytes; // with the end-of-stream marker
  } else {
    await exportJsonl(db, range, out, progress);
  }
  await finish(out);
}

/**
 * Writes `range` as one Parquet file: to `args.output` (which `exportParquet` fsyncs,
 * and removes on a failure) or to standard output (a pipe: Parquet is written in order).
 */
async function exportParquet(db: Strata, args: ExportArgs, range: CursorOptions, progress: TransferProgress): Promise<void> {
  const r = await db.exportParquet(args.output ?? process.stdout, {
    ...range,
    onRowGroup: (sofar) => {
      progress.events = sofar.rows;
      progress.bytes = sofar.bytes;
    },
  });
  progress.events = r.rows;
  progress.bytes = r.bytes; // with the footer
}

/** The name of a binary format, for the message that refuses to write it to a terminal. */
const BINARY = { arrow: 'Arrow', parquet: 'Parquet' } as const;

/** Runs `strata export`; returns the exit status (0 done or the reader left, 1 failed). */
export async function runExport(args: ExportArgs): Promise<number> {
  const { stderr } = process;
  if (args.format !== 'jsonl' && args.output === null && process.stdout.isTTY === true) {
    const message = `export: ${BINARY[args.format]} is binary and standard output is a terminal; give -o FILE, a pipe, or --format jsonl`;
    stderr.write(`${errorLine(new StrataError('INVALID_INPUT', message), palette(wantsColour(stderr, process.env, null)))}\n`);
    return 2;
  }
  const progress = new TransferProgress('export', stderr);
  let db: Strata | null = null;
  let out: Writable | null = null;
  try {
    db = await Strata.open(args.dir);
    const range: CursorOptions = { ...(args.from === null ? {} : { from: args.from }), ...(args.to === null ? {} : { to: args.to }) };
    if (args.format === 'parquet') {
      await exportParquet(db, args, range, progress);
    } else {
      out = args.output === null ? process.stdout : fs.createWriteStream(args.output, { mode: 0o600 });
      await exportStream(db, args.format, range, out, progress);
    }
    progress.done(args.output === null ? 'to standard output' : `to ${args.output}`);
    return 0;
  } catch (e) {
    progress.stop();
    if (out !== null && out !== process.stdout) out.destroy();
    // the reader went away (`strata export ... | head`): a normal end for a pipe
    if (isBrokenPipe(e)) return 0;
    stderr.write(`${errorLine(e, palette(wantsColour(stderr, process.env, null)))}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}
