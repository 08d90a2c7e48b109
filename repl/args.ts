/**
 * The command line of `strata`:
 *
 * ```text
 * strata [dir] [-e SQL]... [-f FILE]... [--continue-on-error] [--wal-recovery MODE] [--no-color]
 * strata bench [dir] [-s BYTES] [-b N] [-n] [-d SECONDS | -c N] [-w N] [-z CODEC] [--json] [--read]
 * strata repair dir [--storage-path PATH]... [--key STORAGE=HEX]... [--json]
 * ```
 *
 * @module
 */
import { type Config, StrataError } from '../src/index.ts';

/** Usage of the console, for `--help` and usage errors. */
export const USAGE = `usage: strata [dir] [options]          the console on dir (default ./data)
       strata bench [dir] [options]    the write benchmark (strata bench --help)
       strata repair dir [options]     rebuild a lost manifest (strata repair --help)

  -e, --execute SQL      run SQL (one or more statements) and quit; may repeat
  -f, --file FILE        run the statements of FILE (- for standard input); may repeat
      --continue-on-error  run the statements after one that fails (exit status 1 still)
      --wal-recovery MODE  tail (the default), point_in_time or skip: what this open
                         does about WAL damage that valid records follow (refuse it,
                         cut the log there, drop only the damaged bytes; docs/wal-format.md)
      --no-color         no colours, even on a terminal (also: NO_COLOR=1)
  -h, --help             this help
  -v, --version          the version

Without -e or -f, the console is interactive on a terminal, and runs the statements of
standard input otherwise. Results are JSON, one per statement; errors go to standard
error as "error: CODE: message" and make the exit status 1.`;

/** Usage of `strata bench`. */
export const BENCH_USAGE = `usage: strata bench [dir] [options]   writes serial events and reports the rate

  dir                    a database directory; default: a temporary one, removed after
  -s, --size BYTES       bytes of value per event (default 100; 1K = 1024)
  -b, --batch N          events per batch (default 1000)
  -n, --no-wal           write with the WAL off
  -d, --duration SECONDS how long to write (default 3)
  -c, --count N          write N events instead (1k = 1000, 1M = 1000000)
  -w, --workers N        worker threads (the setting workers)
  -z, --compression C    zstd, lz4 or none (the setting compression)
      --json             print the figures as one JSON line on standard output
      --read             then scan every event back and report the scan rate
      --no-color         no colours`;

/** Usage of `strata repair`. */
export const REPAIR_USAGE = `usage: strata repair dir [options]   rebuilds a lost or damaged manifest from the files

  dir                    the database directory (not open in any process)
      --storage-path PATH  the path of a storage kept outside dir (its path option);
                         may repeat
      --key STORAGE=HEX  the encryption key of storage STORAGE (name or uuid), 64 hex
                         digits; may repeat
      --json             print the report as JSON

A sound manifest is only checked (and encrypted storages get the keys given). See
docs/manifest.md#repair.`;

/** \`strata repair dir ...\`. */
export interface RepairArgs {
  readonly command: 'repair';
  readonly dir: string;
  readonly storagePaths: readonly string[];
  /** Keys by storage name or uuid. */
  readonly keys: Readonly<Record<string, string>>;
  readonly json: boolean;
}

/** A script to run: statements given with -e, or a file (`-`: standard input). */
export type Source = { readonly kind: 'sql'; readonly text: string } | { readonly kind: 'file'; readonly path: string };

/** `strata [dir] ...`: the console, or scripts. */
export interface ConsoleArgs {
  readonly command: 'console';
  readonly dir: string;
  readonly sources: readonly Source[];
  readonly continueOnError: boolean;
  /** false: --no-color; null: decide by the terminal. */
  readonly colour: boolean | null;
  /** --wal-recovery: the setting `wal_recovery` of this open; null: not given (the default, `tail`). */
  readonly walRecovery: Config['wal_recovery'] | null;
}

/** The values of --wal-recovery (the setting `wal_recovery`). */
const WAL_RECOVERY: readonly Config['wal_recovery'][] = ['tail', 'point_in_time', 'skip'];

/** `strata bench [dir] ...`. */
export interface BenchArgs {
  readonly command: 'bench';
  /** null: a temporary directory, removed after. */
  readonly dir: string | null;
  readonly valueSize: number;
  readonly batch: number;
  readonly wal: boolean;
  readonly seconds: number;
  /** Events to write; null: write for `seconds`. */
  readonly count: number | null;
  readonly workers: number | null;
  readonly compression: string | null;
  readonly json: boolean;
  readonly read: boolean;
  readonly colour: boolean | null;
}

/** What the command line asks for. */
export type Args = ConsoleArgs | BenchArgs | RepairArgs | { readonly command: 'help'; readonly text: string } | { readonly command: 'version' };

type UsageHint = 'strata --help' | 'strata bench --help' | 'strata repair --help';

function usageError(message: string, usage: UsageHint): StrataError {
  return new StrataError('INVALID_INPUT', `strata: ${message}; ${usage} lists the options`);
}

/** The arguments of a command line, one at a time; `--name=value` gives `--name`, then `value`. */
class Reader {
  private i = 0;
  /** The value given with `=` to the last option read, until taken. */
  private attached: string | null = null;

  constructor(private readonly argv: readonly string[], private readonly usage: UsageHint) {}

  /** The next argument, or undefined at the end. */
  next(): string | undefined {
    const a = this.argv[this.i++];
    const eq = a !== undefined && a.startsWith('--') ? a.indexOf('=') : -1;
    this.attached = eq > 0 ? a!.slice(eq + 1) : null;
    return eq > 0 ? a!.slice(0, eq) : a;
  }

  /** The value of option `flag`: the one attached with `=`, or the next argument. */
  value(flag: string): string {
    const v = this.attached ?? this.argv[this.i++];
    this.attached = null;
    if (v === undefined) throw usageError(`${flag} needs a value`, this.usage);
    return v;
  }

  /** After an option: a value attached with `=` that it did not take is an error (`--json=1`). */
  done(flag: string): void {
    if (this.attached !== null) throw usageError(`${flag} takes no value`, this.usage);
  }
}

const DECIMAL: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BINARY: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** A whole number with an optional unit from `units`, within [min, max]. */
function numberArg(flag: string, text: string, units: Record<string, number>, min: number, max: number): number {
  const m = /^(\d+)([a-z]*)$/i.exec(text.replace(/_/g, ''));
  const unit = m === null ? undefined : units[m[2]!.toLowerCase()];
  const n = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`${flag} takes a whole number from ${min} to ${max}, not '${text}'`, 'strata bench --help');
  return n;
}

/** Parses the arguments after `strata` (process.argv.slice(2)). Throws `INVALID_INPUT` on a bad one. */
export function parseArgs(argv: readonly string[]): Args {
  if (argv[0] === 'bench') return parseBench(argv.slice(1));
  if (argv[0] === 'repair') return parseRepair(argv.slice(1));
  const r = new Reader(argv, 'strata --help');
  let dir: string | null = null;
  const sources: Source[] = [];
  let continueOnError = false;
  let colour: boolean | null = null;
  let walRecovery: Config['wal_recovery'] | null = null;
  for (let a = r.next(); a !== undefined; a = r.next()) {
    if (a === '-e' || a === '--execute') sources.push({ kind: 'sql', text: r.value(a) });
    else if (a === '--wal-recovery') {
      const mode = r.value(a);
      walRecovery = WAL_RECOVERY.find((m) => m === mode) ?? null;
      if (walRecovery === null) throw usageError(`${a} takes ${WAL_RECOVERY.join(', ')}, not '${mode}'`, 'strata --help');
    }
    else if (a === '-f' || a === '--file') sources.push({ kind: 'file', path: r.value(a) });
    else if (a === '--continue-on-error') continueOnError = true;
    else if (a === '--no-color' || a === '--no-colour') colour = false;
    else if (a === '-h' || a === '--help') return { command: 'help', text: USAGE };
    else if (a === '-v' || a === '--version') return { command: 'version' };
    else if (a.startsWith('-')) throw usageError(`unknown option '${a}'`, 'strata --help');
    else if (dir !== null) throw usageError(`one directory only ('${dir}', then '${a}')`, 'strata --help');
    else dir = a;
    r.done(a);
  }
  return { command: 'console', dir: dir ?? './data', sources, continueOnError, colour, walRecovery };
}

function parseBench(argv: readonly string[]): Args {
  const r = new Reader(argv, 'strata bench --help');
  let dir: string | null = null;
  const o = { valueSize: 100, batch: 1000, wal: true, seconds: 3, count: null as number | null, workers: null as number | null, compression: null as string | null, json: false, read: false, colour: null as boolean | null };
  for (let a = r.next(); a !== undefined; a = r.next()) {
    if (a === '-s' || a === '--size') o.valueSize = numberArg(a, r.value(a), BINARY, 0, 64 * 1024 * 1024);
    else if (a === '-b' || a === '--batch') o.batch = numberArg(a, r.value(a), DECIMAL, 1, 1_000_000);
    else if (a === '-n' || a === '--no-wal') o.wal = false;
    else if (a === '-d' || a === '--duration') {
      const text = r.value(a);
      o.seconds = Number(text.replace(/s$/, ''));
      if (!(o.seconds > 0 && o.seconds <= 86_400)) throw usageError(`${a} takes seconds, more than 0 and at most 86400, not '${text}'`, 'strata bench --help');
    } else if (a === '-c' || a === '--count') o.count = numberArg(a, r.value(a), DECIMAL, 1, 2 ** 50);
    else if (a === '-w' || a === '--workers') o.workers = numberArg(a, r.value(a), DECIMAL, 0, 64);
    else if (a === '-z' || a === '--compression') {
      const c = r.value(a).toLowerCase();
      if (!['zstd', 'lz4', 'none'].includes(c)) throw usageError(`${a} takes zstd, lz4 or none, not '${c}'`, 'strata bench --help');
      o.compression = c;
    } else if (a === '--json') o.json = true;
    else if (a === '--read') o.read = true;
    else if (a === '--no-color' || a === '--no-colour') o.colour = false;
    else if (a === '-h' || a === '--help') return { command: 'help', text: BENCH_USAGE };
    else if (a.startsWith('-')) throw usageError(`unknown option '${a}'`, 'strata bench --help');
    else if (dir !== null) throw usageError(`one directory only ('${dir}', then '${a}')`, 'strata bench --help');
    else dir = a;
    r.done(a);
  }
  return { command: 'bench', dir, ...o };
}

function parseRepair(argv: readonly string[]): Args {
  const r = new Reader(argv, 'strata repair --help');
  let dir: string | null = null;
  const storagePaths: string[] = [];
  const keys: Record<string, string> = {};
  let json = false;
  for (let a = r.next(); a !== undefined; a = r.next()) {
    if (a === '--storage-path') storagePaths.push(r.value(a));
    else if (a === '--key') {
      const v = r.value(a);
      const eq = v.lastIndexOf('=');
      if (eq <= 0 || !/^[0-9a-fA-F]{64}$/.test(v.slice(eq + 1))) throw usageError(`${a} takes STORAGE=KEY, the key as 64 hex digits`, 'strata repair --help');
      keys[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') return { command: 'help', text: REPAIR_USAGE };
    else if (a.startsWith('-')) throw usageError(`unknown option '${a}'`, 'strata repair --help');
    else if (dir !== null) throw usageError(`one directory only ('${dir}', then '${a}')`, 'strata repair --help');
    else dir = a;
    r.done(a);
  }
  if (dir === null) throw usageError('repair needs the database directory', 'strata repair --help');
  return { command: 'repair', dir, storagePaths, keys, json };
}
