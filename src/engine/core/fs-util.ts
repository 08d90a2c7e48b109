/**
 * Small file-system steps the engine's protocols are made of.
 *
 * @module
 */
import * as fs from 'node:fs';
import { ioError } from '../../errors.ts';

/** fsyncs a directory so that names created or removed in it are durable. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    throw ioError('sync directory', dir, e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Removes a file if it exists. */
export function removeFile(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch (e) {
    throw ioError('remove', path, e);
  }
}

/**
 * Removes a file if it exists, off the event loop (on libuv's thread pool): for big
 * files, whose unlink can take milliseconds.
 * @throws StrataError `IO` naming the file.
 */
export async function removeFileAsync(path: string): Promise<void> {
  try {
    await fs.promises.rm(path, { force: true });
  } catch (e) {
    throw ioError('remove', path, e);
  }
}
