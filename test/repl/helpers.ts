/**
 * Shared by the console tests: run `strata` as a child process (with its output and
 * exit status), and drive it in a real pseudo-terminal (node-pty) as a person would.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pty from 'node-pty';
import { stripAnsi } from '../../repl/colour.ts';

/** The repository root: children run there, as `npm start` does. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How the tests start `strata`: node on the package's `bin`, the build (dist/) that
 * test/global-setup.ts brings up to date, as an installed package runs it.
 */
export const STRATA = [process.execPath, path.join(ROOT, (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: { strata: string } }).bin.strata)] as const;

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'strata-repl-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a child: no colour settings inherited, history in `history` (or none). */
export function childEnv(history: string | null, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_HISTORY: history ?? '', ...extra };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  return env;
}

/** What a finished run printed, and its exit status. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `strata args...` with `input` on standard input (closed at once when absent). */
export function runStrata(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const [node, ...pre] = STRATA;
  const argv = [...pre, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(node, argv, { cwd: ROOT, env: childEnv(null, options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Keys as a terminal sends them. */
export const KEY = {
  enter: '\r',
  tab: '\t',
  up: '\x1b[A',
  ctrlC: '\x03',
  ctrlD: '\x04',
} as const;

/**
 * `strata` in a pseudo-terminal. Output is kept whole; `waitFor` looks at what came
 * since the last `mark()`, without ANSI sequences, and waits (no sleeps) up to a
 * generous timeout, for slow shared machines.
 */
export class Terminal {
  private raw = '';
  private from = 0;
  private readonly proc: pty.IPty;
  /** Resolves with the exit status when the process ends. */
  readonly exited: Promise<number>;
  private waiters: (() => void)[] = [];

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    const [node, ...pre] = STRATA;
    this.proc = pty.spawn(node, [...pre, ...args], { name: 'xterm-256color', cols: 200, rows: 50, cwd: ROOT, env: env as Record<string, string> });
    this.proc.onData((d) => {
      this.raw += d;
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => this.proc.onExit(({ exitCode }) => resolve(exitCode)));
  }

  /** Everything printed so far, with escape sequences. */
  get output(): string {
    return this.raw;
  }

  /** What came since the last mark, as text (escape sequences taken out, \r\n as \n). */
  get recent(): string {
    return stripAnsi(this.raw.slice(this.from)).replace(/\r*\n/g, '\n');
  }

  /** From now on, `waitFor` and `recent` look only at new output. */
  mark(): void {
    this.from = this.raw.length;
  }

  /** Sends keys, as typed. */
  type(keys: string): void {
    this.proc.write(keys);
  }

  /** Waits until the output since the mark matches `pattern`; returns that output. */
  waitFor(pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
    const matches = (): boolean => (typeof pattern === 'string' ? this.recent.includes(pattern) : pattern.test(this.recent));
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!matches()) return;
        done();
        resolve(this.recent);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(pattern)}; the terminal shows:\n${this.recent}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Types `line` and Enter, and waits for the next prompt after the output. */
  async run(line: string, until: RegExp | string): Promise<string> {
    this.mark();
    this.type(line + KEY.enter);
    return this.waitFor(until);
  }

  /** Ends the process if it still runs. */
  kill(): void {
    try {
      this.proc.kill();
    } catch {
      // already gone
    }
  }
}
