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
  let child: ChildProcess | null = null;
  try {
    const started = await start(dir);
    child = started.child;
    const { url, stderr } = started;
    const exited = new Promise<number | null>((resolve) => started.child.once('exit', resolve));
    const acked: number[] = [];
    let killed = false;
    const writer = async (w: number): Promise<void> => {
      let errors = 0;
      for (let i = 0; ; i++) {
        const from = (w * 100_000 + i) * 100;
        let r: Response;
        try {
          r = await fetch(`${url}/v1/write`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: batch(from, 100) });
          errors = 0;
        } catch (e) {
          if (killed) return; // refused: the server is gone
          // a keep-alive connection closed as it was reused: not acknowledged, go on
          if (++errors < 20) continue;
          throw new Error(`writes before SIGTERM failed 20 times in a row: ${(e as Error).message} (${String((e as Error).cause)})`);
        }
        if (r.status === 200) acked.push(from);
        else if (r.status === 503 && killed) return; // closing: no new request
        else throw new Error(`write answered ${r.status}: ${await r.text()}`);
      }
    };
    let failure: unknown = null;
    const writers = [0, 1, 2, 3].map((w) => writer(w).catch((e: unknown) => void (failure ??= e)));
    // until 40 writes are acknowledged (a writer that fails before says why)
    while (acked.length < 40) {
      if (failure !== null) throw failure;
      await new Promise((r) => setTimeout(r, 5));
    }
    killed = true;
    started.child.kill('SIGTERM');
    await Promise.all(writers);
    if (failure !== null) throw failure;
    // (the timer only words a failure: vitest's own limit would end the test anyway)
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`strata serve did not exit after SIGTERM; its standard error: ${stderr()}`)), 50_000);
    });
    expect(await Promise.race([exited, stuck])).toBe(0);
    clearTimeout(timer);
    expect(stderr()).toMatch(/stopping: no new request[\s\S]*stopped, database closed/);
    const db = await Strata.open(dir, { workers: 0 });
    const ids = new Set(scan(db).map((r) => r.id));
    await db.close();
    for (const from of acked) for (let k = 0; k < 100; k++) expect(ids.has(BigInt(from + k))).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(40);
  } finally {
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
