/**
 * The command line of `strata`:
 *
 * ```text
 * strata [dir] [-e SQL]... [-f FILE]... [--continue-on-error] [--set NAME=VALUE]... [--wal-recovery MODE] [--no-color]
 * strata bench [dir] [-s BYTES] [-b N] [-n] [-d SECONDS | -c N] [-w N] [-z CODEC] [--json] [--read]
 * strata repair dir [--storage-path PATH]... [--key STORAGE=HEX]... [--json]
 * strata export dir [--from ID] [--to ID] [--format arrow|jsonl|parquet] [-o FILE]
 * strata import dir FILE [--format arrow|jsonl]
 * ```
 *
 * @module
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { type Config, StrataError } from '../src/index.ts';

/** Usage of the console, for `--help` and usage errors. */
export const USAGE = `usage: strata [dir] [options]          the console on dir (default ./data)
       strata bench [dir] [options]    the write benchmark (strata bench --help)
       strata repair dir [options]     rebuild a lost manifest (strata repair --help)
       strata export dir [options]     write events as Arrow IPC, JSON lines or Parquet (strata export --help)
       strata serve dir [options]      serve the database over HTTP (strata serve --help)
       strata import dir FILE          write the events of an Arrow IPC or JSON lines file (strata import --help)

  -e, --execute SQL      run SQL (one or more statements) and quit; may repeat
  -f, --file FILE        run the statements of FILE (- for standard input); may repeat
      --continue-on-error  run the statements after one that fails (exit status 1 still)
      --set NAME=VALUE   a setting for this open, as SET NAME TO VALUE (repeatable); on
                         a new directory also those chosen at creation (uuid)
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

/** Usage of `strata export`. */
export const EXPORT_USAGE = `usage: strata export dir [options]   writes the events of [from, to] to standard output or FILE

      --from ID          first id (inclusive; default 0)
      --to ID            last id (inclusive; default 2^64-1)
      --format F         arrow (an Arrow IPC stream; the default), jsonl (a JSON
                         object per line: id, key, value; docs/arrow.md#json-lines)
                         or parquet (one Parquet file, a row group per region_size
                         bytes of events; docs/arrow.md#parquet)
  -o, --output FILE      write to FILE instead of standard output (a Parquet FILE is
                         fsynced, and removed if the export fails)

A progress line is shown on a terminal, and a summary at the end (on standard error).
Arrow and Parquet go to a terminal only with -o. See docs/arrow.md.`;

/** Usage of `strata import`. */
export const IMPORT_USAGE = `usage: strata import dir FILE [options]   writes the events of FILE (- for standard input)

      --format F         arrow (an IPC stream or file) or jsonl; default: by the
                         file's first bytes (standard input needs --format)

An IPC file (the file format) is written atomically, as one batch. An IPC stream and
JSON lines are written a record batch (or 10,000 lines) at a time, each atomically;
bad input stops the import there, and the error says what was written before it.
See docs/arrow.md.`;

/** Usage of \`strata serve\`. */
export const SERVE_USAGE = `usage: strata serve dir [options]   serves the database over HTTP (docs/server.md)
  --host HOST              address to listen on (default 127.0.0.1); any other than a
                           loopback address needs --token-file
  --port N                 port (default 8765; 0: a free one)
  --token-file FILE        a bearer token (the file's first line) every request must carry
  --tls-cert FILE          certificate (PEM): serve HTTPS (with --tls-key)
  --tls-key FILE           its private key (PEM)
  --body-limit BYTES       largest request body (default 64MiB)
  --page-limit N           most events of a page (default 100000; a page has 1000 unless asked)
  --page-bytes BYTES       most key and value bytes of a page (default 4MiB)
  --write-queue N          writes in flight at once before 429 (default 64)
  --streams-per-client N   reads in flight at once from one address before 429 (default 4)
  --request-timeout MS     time a request may take (default 60000; 0: none)
  -h, --help               this text
Stops on SIGTERM or SIGINT: no new request, the ones in flight finish, the database closes.`;

/** \`strata serve dir ...\`. */
export interface ServeArgs {
  readonly command: 'serve';
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly tokenFile: string | null;
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  readonly limits: Partial<Record<'bodyBytes' | 'maxPageEvents' | 'pageBytes' | 'writeQueue' | 'streamsPerClient' | 'requestTimeoutMs', number>>;
}

/** The formats of export and import. */
export type TransferFormat = 'arrow' | 'jsonl';

/** The formats of export: those of import, and Parquet. */
export type ExportFormat = TransferFormat | 'parquet';

/** \`strata export dir ...\`. */
export interface ExportArgs {
  readonly command: 'export';
  readonly dir: string;
  readonly from: bigint | null;
  readonly to: bigint | null;
  readonly format: ExportFormat;
  /** null: standard output. */
  readonly output: string | null;
}

/** \`strata import dir FILE ...\`. */
export interface ImportArgs {
  readonly command: 'import';
  readonly dir: string;
  /** `-`: standard input. */
  readonly file: string;
  /** null: decide by the file's first bytes. */
  readonly format: TransferFormat | null;
}

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
  /**
   * --set name=value, in order: settings passed to the open, as text (the value as in
   * `SET name TO value`); the only way to choose a creation-only setting (`uuid`) from
   * the command line.
   */
  readonly settings: readonly (readonly [string, string])[];
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
export type Args = ConsoleArgs | BenchArgs | RepairArgs | ExportArgs | ImportArgs | ServeArgs | { readonly command: 'help'; readonly text: string } | { readonly command: 'version' };

type UsageHint = 'strata --help' | 'strata bench --help' | 'strata repair --help' | 'strata export --help' | 'strata import --help' | 'strata serve --help';

function usageError(message: string, usage: UsageHint): StrataError {
  return new StrataError('INVALID_INPUT', `strata: ${message}; ${usage} lists the options`);
}

/** The options of one command, for `node:util` `parseArgs`. */
type OptionSpec = Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>;

/** One argument of a command line, in order: an option with its value, or a positional. */
type Arg = { readonly kind: 'option'; readonly name: string; readonly flag: string; readonly value: string } | { readonly kind: 'positional'; readonly value: string };

/**
 * The arguments of `argv`, in order, checked against `options`: `node:util` `parseArgs`
 * splits them (`--name=value`, `-e value`, `-nw 2`, `--` before positionals); this keeps
 * the order (-e and -f run in the order given) and words the errors as the rest of the
 * command line does. `flag` is the option as typed (`-e`, `--execute`).
 */
function argsOf(argv: readonly string[], options: OptionSpec, usage: UsageHint): Arg[] {
  // strict: false hands back unknown options and missing values as tokens, to be
  // reported here in our words (strict mode throws its own messages)
  const { tokens } = nodeParseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const out: Arg[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') out.push({ kind: 'positional', value: t.value });
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (spec === undefined) throw usageError(`unknown option '${t.rawName}'`, usage);
    if (spec.type === 'string' && t.value === undefined) throw usageError(`${t.rawName} needs a value`, usage);
    if (spec.type === 'boolean' && t.inlineValue === true) throw usageError(`${t.rawName} takes no value`, usage);
    out.push({ kind: 'option', name: t.name, flag: t.rawName, value: t.value ?? '' });
  }
  return out;
}

const DECIMAL: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BINARY: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** A whole number with an optional unit from `units`, within [min, max]. */
function numberArg(flag: string, text: string, units: Record<string, number>, min: number, max: number, usage: UsageHint = 'strata bench --help'): number {
  const m = /^(\d+)([a-z]*)$/i.exec(text.replace(/_/g, ''));
  const unit = m === null ? undefined : units[m[2]!.toLowerCase()];
  const n = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`${flag} takes a whole number from ${min} to ${max}, not '${text}'`, usage);
  return n;
}

/** The one directory of a command line: a second one is an error. */
function oneDir(dir: string | null, a: string, usage: UsageHint): string {
  if (dir !== null) throw usageError(`one directory only ('${dir}', then '${a}')`, usage);
  return a;
}

const CONSOLE_OPTIONS: OptionSpec = {
  execute: { type: 'string', short: 'e' },
  file: { type: 'string', short: 'f' },
  'continue-on-error': { type: 'boolean' },
  'wal-recovery': { type: 'string' },
  set: { type: 'string' },
  'no-color': { type: 'boolean' },
  'no-colour': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

/** Parses the arguments after `strata` (process.argv.slice(2)). Throws `INVALID_INPUT` on a bad one. */
export function parseArgs(argv: readonly string[]): Args {
  if (argv[0] === 'bench') return parseBench(argv.slice(1));
  if (argv[0] === 'repair') return parseRepair(argv.slice(1));
  if (argv[0] === 'export') return parseExport(argv.slice(1));
  if (argv[0] === 'import') return parseImport(argv.slice(1));
  if (argv[0] === 'serve') return parseServe(argv.slice(1));
  const usage = 'strata --help';
  let dir: string | null = null;
  const sources: Source[] = [];
  let continueOnError = false;
  let colour: boolean | null = null;
  let walRecovery: Config['wal_recovery'] | null = null;
  const settings: (readonly [string, string])[] = [];
  for (const a of argsOf(argv, CONSOLE_OPTIONS, usage)) {
    if (a.kind === 'positional') dir = oneDir(dir, a.value, usage);
    else if (a.name === 'execute') sources.push({ kind: 'sql', text: a.value });
    else if (a.name === 'file') sources.push({ kind: 'file', path: a.value });
    else if (a.name === 'wal-recovery') {
      walRecovery = WAL_RECOVERY.find((m) => m === a.value) ?? null;
      if (walRecovery === null) throw usageError(`${a.flag} takes ${WAL_RECOVERY.join(', ')}, not '${a.value}'`, usage);
    } else if (a.name === 'set') {
      const eq = a.value.indexOf('=');
      if (eq <= 0) throw usageError(`${a.flag} takes name=value (a setting and its value, as SET name TO value), not '${a.value}'`, usage);
      settings.push([a.value.slice(0, eq).trim(), a.value.slice(eq + 1).trim()]);
    } else if (a.name === 'continue-on-error') continueOnError = true;
    else if (a.name === 'no-color' || a.name === 'no-colour') colour = false;
    else if (a.name === 'help') return { command: 'help', text: USAGE };
    else if (a.name === 'version') return { command: 'version' };
  }
  return { command: 'console', dir: dir ?? './data', sources, continueOnError, colour, walRecovery, settings };
}

const BENCH_OPTIONS: OptionSpec = {
  size: { type: 'string', short: 's' },
  batch: { type: 'string', short: 'b' },
  'no-wal': { type: 'boolean', short: 'n' },
  duration: { type: 'string', short: 'd' },
  count: { type: 'string', short: 'c' },
  workers: { type: 'string', short: 'w' },
  compression: { type: 'string', short: 'z' },
  json: { type: 'boolean' },
  read: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  'no-colour': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function parseBench(argv: readonly string[]): Args {
  const usage = 'strata bench --help';
  let dir: string | null = null;
  const o = { valueSize: 100, batch: 1000, wal: true, seconds: 3, count: null as number | null, workers: null as number | null, compression: null as string | null, json: false, read: false, colour: null as boolean | null };
  for (const a of argsOf(argv, BENCH_OPTIONS, usage)) {
    if (a.kind === 'positional') dir = oneDir(dir, a.value, usage);
    else if (a.name === 'size') o.valueSize = numberArg(a.flag, a.value, BINARY, 0, 64 * 1024 * 1024);
    else if (a.name === 'batch') o.batch = numberArg(a.flag, a.value, DECIMAL, 1, 1_000_000);
    else if (a.name === 'no-wal') o.wal = false;
    else if (a.name === 'duration') {
      o.seconds = Number(a.value.replace(/s$/, ''));
      if (!(o.seconds > 0 && o.seconds <= 86_400)) throw usageError(`${a.flag} takes seconds, more than 0 and at most 86400, not '${a.value}'`, usage);
    } else if (a.name === 'count') o.count = numberArg(a.flag, a.value, DECIMAL, 1, 2 ** 50);
    else if (a.name === 'workers') o.workers = numberArg(a.flag, a.value, DECIMAL, 0, 64);
    else if (a.name === 'compression') {
      const c = a.value.toLowerCase();
      if (!['zstd', 'lz4', 'none'].includes(c)) throw usageError(`${a.flag} takes zstd, lz4 or none, not '${c}'`, usage);
      o.compression = c;
    } else if (a.name === 'json') o.json = true;
    else if (a.name === 'read') o.read = true;
    else if (a.name === 'no-color' || a.name === 'no-colour') o.colour = false;
    else if (a.name === 'help') return { command: 'help', text: BENCH_USAGE };
  }
  return { command: 'bench', dir, ...o };
}

const REPAIR_OPTIONS: OptionSpec = {
  'storage-path': { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function parseRepair(argv: readonly string[]): Args {
  const usage = 'strata repair --help';
  let dir: string | null = null;
  const storagePaths: string[] = [];
  const keys: Record<string, string> = {};
  let json = false;
  for (const a of argsOf(argv, REPAIR_OPTIONS, usage)) {
    if (a.kind === 'positional') dir = oneDir(dir, a.value, usage);
    else if (a.name === 'storage-path') storagePaths.push(a.value);
    else if (a.name === 'key') {
      const eq = a.value.lastIndexOf('=');
      if (eq <= 0 || !/^[0-9a-fA-F]{64}$/.test(a.value.slice(eq + 1))) throw usageError(`${a.flag} takes STORAGE=KEY, the key as 64 hex digits`, usage);
      keys[a.value.slice(0, eq)] = a.value.slice(eq + 1);
    } else if (a.name === 'json') json = true;
    else if (a.name === 'help') return { command: 'help', text: REPAIR_USAGE };
  }
  if (dir === null) throw usageError('repair needs the database directory', usage);
  return { command: 'repair', dir, storagePaths, keys, json };
}

/** The `--format` value among `formats`, or a usage error that lists them. */
function formatArg<F extends string>(flag: string, value: string, formats: readonly F[], usage: UsageHint): F {
  if ((formats as readonly string[]).includes(value)) return value as F;
  throw usageError(`${flag} takes ${formats.slice(0, -1).join(', ')} or ${formats.at(-1)!}, not '${value}'`, usage);
}

const EXPORT_FORMATS: readonly ExportFormat[] = ['arrow', 'jsonl', 'parquet'];
const IMPORT_FORMATS: readonly TransferFormat[] = ['arrow', 'jsonl'];

function idArg(flag: string, value: string, usage: UsageHint): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) > (1n << 64n) - 1n) throw usageError(`${flag} takes an id, 0 to 2^64-1, not '${value}'`, usage);
  return BigInt(value);
}

const EXPORT_OPTIONS: OptionSpec = {
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
};

function parseExport(argv: readonly string[]): Args {
  const usage = 'strata export --help';
  let dir: string | null = null;
  const o = { from: null as bigint | null, to: null as bigint | null, format: 'arrow' as ExportFormat, output: null as string | null };
  for (const a of argsOf(argv, EXPORT_OPTIONS, usage)) {
    if (a.kind === 'positional') dir = oneDir(dir, a.value, usage);
    else if (a.name === 'from') o.from = idArg(a.flag, a.value, usage);
    else if (a.name === 'to') o.to = idArg(a.flag, a.value, usage);
    else if (a.name === 'format') o.format = formatArg(a.flag, a.value, EXPORT_FORMATS, usage);
    else if (a.name === 'output') o.output = a.value;
    else if (a.name === 'help') return { command: 'help', text: EXPORT_USAGE };
  }
  if (dir === null) throw usageError('export needs the database directory', usage);
  if (o.from !== null && o.to !== null && o.from > o.to) throw usageError(`--from ${o.from} is after --to ${o.to}`, usage);
  return { command: 'export', dir, ...o };
}

const IMPORT_OPTIONS: OptionSpec = {
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function parseImport(argv: readonly string[]): Args {
  const usage = 'strata import --help';
  const positional: string[] = [];
  let format: TransferFormat | null = null;
  for (const a of argsOf(argv, IMPORT_OPTIONS, usage)) {
    if (a.kind === 'positional') positional.push(a.value);
    else if (a.name === 'format') format = formatArg(a.flag, a.value, IMPORT_FORMATS, usage);
    else if (a.name === 'help') return { command: 'help', text: IMPORT_USAGE };
  }
  if (positional.length !== 2) throw usageError('import takes the database directory and a file', usage);
  const [dir, file] = positional as [string, string];
  if (file === '-' && format === null) throw usageError('import from standard input needs --format', usage);
  return { command: 'import', dir, file, format };
}

const SERVE_OPTIONS: OptionSpec = {
  host: { type: 'string' },
  port: { type: 'string' },
  'token-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'body-limit': { type: 'string' },
  'page-limit': { type: 'string' },
  'page-bytes': { type: 'string' },
  'write-queue': { type: 'string' },
  'streams-per-client': { type: 'string' },
  'request-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** The limit each numeric option of serve sets, its units and its range. */
const SERVE_LIMITS: Record<string, [keyof ServeArgs['limits'], Record<string, number>, number, number]> = {
  'body-limit': ['bodyBytes', BINARY, 1, 2 ** 32],
  'page-limit': ['maxPageEvents', DECIMAL, 1000, 1_000_000],
  'page-bytes': ['pageBytes', BINARY, 1, 2 ** 31],
  'write-queue': ['writeQueue', DECIMAL, 1, 1_000_000],
  'streams-per-client': ['streamsPerClient', DECIMAL, 1, 10_000],
  'request-timeout': ['requestTimeoutMs', DECIMAL, 0, 2 ** 31],
};

function parseServe(argv: readonly string[]): Args {
  const usage = 'strata serve --help';
  let dir: string | null = null;
  const o = { host: '127.0.0.1', port: 8765, tokenFile: null as string | null, tlsCert: null as string | null, tlsKey: null as string | null };
  const limits: Record<string, number> = {};
  for (const a of argsOf(argv, SERVE_OPTIONS, usage)) {
    if (a.kind === 'positional') dir = oneDir(dir, a.value, usage);
    else if (a.name === 'host') o.host = a.value;
    else if (a.name === 'port') o.port = numberArg(a.flag, a.value, DECIMAL, 0, 65535, usage);
    else if (a.name === 'token-file') o.tokenFile = a.value;
    else if (a.name === 'tls-cert') o.tlsCert = a.value;
    else if (a.name === 'tls-key') o.tlsKey = a.value;
    else if (a.name === 'help') return { command: 'help', text: SERVE_USAGE };
    else {
      const [limit, units, min, max] = SERVE_LIMITS[a.name]!;
      limits[limit] = numberArg(a.flag, a.value, units, min, max, usage);
    }
  }
  if (dir === null) throw usageError('serve needs the database directory', usage);
  if ((o.tlsCert === null) !== (o.tlsKey === null)) throw usageError('--tls-cert and --tls-key go together', usage);
  return { command: 'serve', dir, ...o, limits };
}
