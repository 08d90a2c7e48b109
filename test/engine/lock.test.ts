/**
 * The directory lock: SQLite's file lock on `<dir>/strata.lock`, released by the
 * operating system when its process ends. Real child processes hold and race for it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata, StrataError } from '../../src/index.ts';
import { scan, tempDir } from './helpers.ts';

const childMain = fileURLToPath(new URL('./lock-child.mjs', import.meta.url));
const SQLITE_MAGIC = 'SQLite format 3\0';

let dir: string;
let cleanup: () => void;
const children: ChildProcessWithoutNullStreams[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir('strata-lock-')));
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanup();
});

/** A child process of lock-child.mjs on `dir`, with a reader of its output lines. */
class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private err = '';

  constructor(db: string) {
    this.proc = spawn(process.execPath, [childMain, db], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(this.proc);
    let buf = '';
    this.proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr.on('data', (d: Buffer) => (this.err += d.toString()));
    this.proc.on('exit', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The next line the child prints (waits for it; fails if the child exits first). */
  async line(): Promise<string> {
    while (this.lines.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`lock child exited: ${this.err}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.lines.shift()!;
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const gone = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGKILL');
    await gone;
  }

  /** Ends its stdin (it closes the database and exits), and waits for the exit. */
  async end(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.stdin.end();
    await gone;
  }
}

async function lockedError(p: Promise<unknown>): Promise<StrataError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StrataError);
  expect((e as StrataError).code).toBe('LOCKED');
  return e as StrataError;
}

const cfg = { workers: 0 } as const;

test('open, close, open in one process; a second handle is LOCKED; the lock file stays', async () => {
  const db = await Strata.open(dir, cfg);
  const e = await lockedError(Strata.open(dir, cfg));
  expect(e.message).toBe(`open: ${dir} is already open in this process; close the other handle first`);
  // through another path to the same directory too
  fs.symlinkSync(dir, path.join(dir, 'self'));
  await lockedError(Strata.open(path.join(dir, 'self'), cfg));
  await db.write(new BatchBuilder().insert(1, 'k', 'v'));
  await db.close();
  expect(fs.readFileSync(path.join(dir, 'strata.lock')).subarray(0, 16).toString('latin1')).toBe(SQLITE_MAGIC);
  const again = await Strata.open(dir, cfg);
  expect(scan(again).map((r) => r.value)).toEqual(['v']);
  await again.close();
  expect(fs.existsSync(path.join(dir, 'strata.lock'))).toBe(true);
});

test("a lock file of an older Strata (a pid as text) never blocks, even when the pid is a live process's", async () => {
  // pid 1 is alive (init), as after a reboot that left the file behind
  fs.writeFileSync(path.join(dir, 'strata.lock'), '1\n');
  const db = await Strata.open(dir, cfg);
  await db.close();
  expect(fs.readFileSync(path.join(dir, 'strata.lock')).subarray(0, 16).toString('latin1')).toBe(SQLITE_MAGIC);
  // in an existing database too, and with our own pid in it
  fs.writeFileSync(path.join(dir, 'strata.lock'), `${process.pid}\n`);
  await (await Strata.open(dir, cfg)).close();
  // a damaged lock database is replaced as well
  fs.writeFileSync(path.join(dir, 'strata.lock'), Buffer.concat([Buffer.from(SQLITE_MAGIC, 'latin1'), Buffer.alloc(100, 0xee)]));
  await (await Strata.open(dir, cfg)).close();
});

test('a process holding the database makes open fail with LOCKED at once; after its SIGKILL open succeeds', async () => {
  const holder = new Child(dir);
  expect(await holder.line()).toBe('ready');
  holder.send('open');
  expect(await holder.line()).toBe('opened');
  const e = await lockedError(Strata.open(dir, cfg));
  expect(e.message).toBe(`open: ${dir} is in use by process ${holder.proc.pid}; stop it or open another directory`);
  expect(e.retryable).toBe(true);
  // nothing failed open left anything held in this process: a second try is LOCKED the same way
  await lockedError(Strata.open(dir, cfg));
  await holder.kill();
  // nobody deletes anything: the operating system released the lock with the process
  expect(fs.existsSync(path.join(dir, 'strata.lock'))).toBe(true);
  const db = await Strata.open(dir, cfg);
  // and now the child cannot open it
  const late = new Child(dir);
  expect(await late.line()).toBe('ready');
  late.send('open');
  expect(await late.line()).toBe(`error LOCKED open: ${dir} is in use by process ${process.pid}; stop it or open another directory`);
  await late.end();
  await db.close();
});

test('two processes racing to open: exactly one wins', async () => {
  for (let round = 0; round < 3; round++) {
    const racers = [new Child(dir), new Child(dir)];
    for (const r of racers) expect(await r.line()).toBe('ready');
    for (const r of racers) r.send('open');
    const results = await Promise.all(racers.map((r) => r.line()));
    expect(results.filter((x) => x === 'opened'), `round ${round}: ${results.join(' | ')}`).toHaveLength(1);
    expect(results.filter((x) => x.startsWith('error LOCKED open: ')), `round ${round}: ${results.join(' | ')}`).toHaveLength(1);
    // the loser may try again once the winner is gone (killed in odd rounds, closed in even ones)
    const winner = racers[results.indexOf('opened')]!;
    const loser = racers[1 - results.indexOf('opened')]!;
    if (round % 2 === 1) await winner.kill();
    else await winner.end();
    loser.send('open');
    expect(await loser.line()).toBe('opened');
    await loser.end();
  }
});
