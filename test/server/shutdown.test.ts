/**
 * `strata serve` as a child process: it prints where it listens, and on SIGTERM stops
 * accepting, finishes the requests in flight, closes the database and exits 0; every
 * write it acknowledged is in the database afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { scan, tempDir } from '../engine/helpers.ts';
import { batch } from './helpers.ts';

const MAIN = path.resolve(import.meta.dirname, '../../dist/repl/main.js');

/** Starts `strata serve dir` on a free port; resolves with its URL once it listens. */
function start(dir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', dir, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = / on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m !== null) resolve({ child, url: m[1]!, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`strata serve exited (${code}) before listening: ${err}`)));
  });
}

test('SIGTERM: requests in flight finish, the database closes, no acknowledged write is lost', async () => {
  const { dir, cleanup } = tempDir('strata-serve-stop-');
  try {
    const { child, url, stderr } = await start(dir);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const acked: number[] = [];

    const writer = async (w: number): Promise<void> => {
      for (let i = 0; ; i++) {
        const from = (w * 100_000 + i) * 100;
        let r: Response;
        try {
          r = await fetch(`${url}/v1/write`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: batch(from, 100) });
        } catch {
          return; // refused: the server is gone
        }
        if (r.status === 200) acked.push(from);
        else if (r.status === 503) return; // closing: no new request
        else throw new Error(`write answered ${r.status}: ${await r.text()}`);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    await Promise.all(writers);
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/stopping: no new request[\s\S]*stopped, database closed/);
    const db = await Strata.open(dir, { workers: 0 });
    const ids = new Set(scan(db).map((r) => r.id));
    await db.close();
    for (const from of acked) for (let k = 0; k < 100; k++) expect(ids.has(BigInt(from + k))).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(40);
  } finally {
    cleanup();
  }
});

test('serve refuses a host other than loopback without a token, and exits 1', async () => {
  const { dir, cleanup } = tempDir('strata-serve-host-');
  try {
    const child = spawn(process.execPath, [MAIN, 'serve', dir, '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/0\.0\.0\.0 is reachable from other machines, and no token is set: give --token-file FILE/);
  } finally {
    cleanup();
  }
});
