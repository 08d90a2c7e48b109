#!/usr/bin/env node
/**
 * The `strata` command: the console on a database directory, scripts (`-e`, `-f`,
 * standard input), `strata bench`, `strata repair`, `strata export` / `import`, and
 * `strata serve`.
 * See docs/console.md and docs/arrow.md.
 *
 * Exit status: 0 when everything succeeded, 1 when a statement (or the open) failed,
 * 2 for a bad command line.
 *
 * @module
 */
import type { Value } from '../grammar/index.ts';
import { Strata, StrataError, settingKind } from '../src/index.ts';
import { type Args, type ConsoleArgs, parseArgs } from './args.ts';
import { palette, wantsColour } from './colour.ts';
import { historyPath } from './history.ts';
import { errorLine } from './render.ts';
import type { Runner } from './runner.ts';
import { banner, openReportLines, version } from './session.ts';

const { stdin, stdout, stderr } = process;

/**
 * The settings of `--set name=value`: each value read as `SET name TO value` reads it
 * (numbers with units, true/false, quoted strings), and a value that is no literal (a
 * bare uuid, a word) as the text itself.
 */
async function openSettings(list: readonly (readonly [string, string])[]): Promise<Record<string, unknown>> {
  const { parseOne, kindDescription, quantityValue } = await import('../grammar/index.ts');
  const out: Record<string, unknown> = {};
  for (const [name, text] of list) {
    let value: Value = text;
    try {
      const s = parseOne(`SET x TO ${text}`);
      if (s.kind === 'set') value = s.value;
    } catch {
      // not a literal of the grammar: the text as it is
    }
    const kind = settingKind(name);
    if (typeof value === 'object' && kind !== undefined) {
      // a number with a unit, valued by what the setting holds (1M bytes, 1M a count)
      const n = quantityValue(value, kind);
      if (n === null) throw new StrataError('INVALID_INPUT', `open: --set ${name}=${text}: ${name} is ${kindDescription(kind)}; ${text} is not`);
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/**
 * The console, or the scripts of -e/-f/standard input. Returns the exit status.
 * What is not needed to open the database and print the banner (the console's line
 * editing and completion, the script runner, the grammar) is loaded after it: the
 * banner comes in a fraction of the time they take.
 */
async function consoleMain(args: ConsoleArgs): Promise<number> {
  const errColour = palette(wantsColour(stderr, process.env, args.colour));
  let db: Strata;
  try {
    const config: Record<string, unknown> = args.settings.length === 0 ? {} : await openSettings(args.settings);
    if (args.walRecovery !== null) config.wal_recovery = args.walRecovery;
    db = await Strata.open(args.dir, config);
  } catch (e) {
    stderr.write(`${errorLine(e, errColour)}\n`);
    return 1;
  }
  for (const line of openReportLines(db)) stderr.write(`${line}\n`);
  const interactive = args.sources.length === 0 && stdin.isTTY === true;
  const runner: Runner = {
    db,
    out: stdout,
    err: stderr,
    outColour: palette(wantsColour(stdout, process.env, args.colour)),
    errColour,
    interactive,
    pretty: interactive || stdout.isTTY === true,
    progress: stderr.isTTY === true ? stderr : null,
    timing: false,
    json: false,
    columns: () => stdout.columns ?? 80,
  };
  let ok = true;
  try {
    if (interactive) {
      stdout.write(`${banner(db, args.dir)}\n`);
      const { runConsole } = await import('./console.ts');
      const quit = new AbortController();
      const stop = (): void => quit.abort();
      process.once('SIGTERM', stop).once('SIGHUP', stop);
      await runConsole(runner, { input: stdin, output: stdout, historyFile: historyPath(process.env), signal: quit.signal });
      process.off('SIGTERM', stop).off('SIGHUP', stop);
    } else {
      const sources = args.sources.length > 0 ? args.sources : [{ kind: 'file', path: '-' } as const];
      const { runSources } = await import('./script.ts');
      ok = await runSources(runner, sources, stdin, args.continueOnError);
    }
  } finally {
    await db.close();
  }
  return ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    stderr.write(`${errorLine(e, palette(wantsColour(stderr, process.env, null)))}\n`);
    return 2;
  }
  switch (args.command) {
    case 'help':
      stdout.write(`${args.text}\n`);
      return 0;
    case 'version':
      stdout.write(`strata ${version()}\n`);
      return 0;
    case 'bench':
      return (await import('./bench.ts')).runBench(args);
    case 'repair':
      return (await import('./repair.ts')).runRepair(args);
    case 'export':
      return (await import('./export.ts')).runExport(args);
    case 'import':
      return (await import('./import.ts')).runImport(args);
    case 'serve':
      return (await import('./serve.ts')).runServe(args);
    case 'console':
      return consoleMain(args);
  }
}

process.exitCode = await main(process.argv.slice(2));
