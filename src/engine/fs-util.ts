/**
 * Small file-system steps the engine's protocols are made of.
 *
 * @module
 */
import * as fs from 'node:fs';
import { ioError } from '../errors.ts';

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
