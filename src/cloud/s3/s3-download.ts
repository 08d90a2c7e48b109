/**
 * One try of a streamed download: the body of a GET answer written to a local file as
 * it arrives (backpressure: the next chunk is read once the last one is written), its
 * length checked against the answer's Content-Length, the file fsynced when asked.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioError } from '../../errors.ts';
import { AnswerError } from './s3-errors.ts';

interface StreamShape extends AsyncIterable<Uint8Array> {
  destroy?: (error?: Error) => void;
}

/**
 * Writes `body` to `file` (created or truncated, mode 0600), calling `progress` after
 * each chunk; returns the bytes written. When `signal` fires the body is destroyed, so
 * no socket lingers. With `sync`, fsyncs the file and its directory.
 * @throws AnswerError (retryable) when the body has no stream or ends short of
 *   `contentLength`; StrataError `IO` when the file fails (a cloud call passes it on
 *   untried again); what the stream throws (a reset connection).
 */
export async function writeBody(body: unknown, contentLength: number | undefined, file: string, sync: boolean, signal: AbortSignal, progress: () => void): Promise<number> {
  const stream = body as StreamShape | undefined;
  if (stream === undefined || typeof stream[Symbol.asyncIterator] !== 'function') throw new AnswerError('the answer has no body', true);
  const onAbort = () => stream.destroy?.(new Error('aborted: no bytes in time'));
  signal.addEventListener('abort', onAbort, { once: true });
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await local(file, () => fs.promises.open(file, 'w', 0o600));
    const handle = fh;
    // a file left by an earlier try keeps its mode otherwise
    await local(file, () => handle.chmod(0o600));
    let written = 0;
    for await (const chunk of stream) {
      await local(file, () => handle.write(chunk));
      written += chunk.byteLength;
      progress();
    }
    if (contentLength !== undefined && written !== contentLength) {
      throw new AnswerError(`got ${written} bytes instead of ${contentLength}`, true);
    }
    if (sync) await local(file, () => handle.sync());
    return written;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // a later step that fails takes the place of this one's error
    await fh?.close().catch(() => undefined);
    if (!signal.aborted) stream.destroy?.();
  }
}

/** Fsyncs the directory that holds `file`. @throws StrataError `IO`. */
export async function syncParent(file: string): Promise<void> {
  const dir = path.dirname(file);
  await local(dir, async () => {
    const fh = await fs.promises.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

/** Runs a step on a local file; its failure becomes an `IO` StrataError. */
async function local<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw ioError('cloud get', file, e);
  }
}
