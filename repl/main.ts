/**
 * The `strata` console: `strata [dir] [-e statement] [-f file]`.
 *
 * With neither -e nor -f it reads statements from the terminal (or from standard
 * input when it is not one), a line at a time (several statements on a line are
 * separated by `;`), runs them against the database in `dir` (default `./data`) and
 * prints each result as JSON. The full console (multi-line input, completion) comes
 * with the console issue.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { Strata, StrataError } from '../src/index.ts';
import { parse } from '../grammar/index.ts';
import { toJson } from '../src/index.ts';

const USAGE = 'usage: strata [dir] [-e statement]... [-f file]...';

interface Args {
  dir: string;
  scripts: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { dir: './data', scripts: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '-f') {
      const v = argv[++i];
      if (v === undefined) throw new StrataError('INVALID_INPUT', `strata: ${a} needs an argument; ${USAGE}`);
      args.scripts.push(a === '-e' ? v : fs.readFileSync(v, 'utf8'));
    } else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else {
      args.dir = a;
    }
  }
  return args;
}

function report(e: unknown): false {
  console.error(e instanceof StrataError ? `error: ${e.code}: ${e.message}` : `error: ${String(e)}`);
  return false;
}

/** Runs the statements of `text` one at a time, printing each result as it comes. */
async function run(db: Strata, text: string): Promise<boolean> {
  let statements;
  try {
    statements = parse(text);
  } catch (e) {
    return report(e);
  }
  for (const s of statements) {
    try {
      const result = await db.execute(s.text);
      if (result !== null && result !== undefined) console.log(toJson(result, 2));
    } catch (e) {
      return report(e);
    }
  }
  return true;
}

const args = parseArgs(process.argv.slice(2));
let db: Strata;
try {
  db = await Strata.open(args.dir);
} catch (e) {
  report(e);
  process.exit(1);
}
const r = db.openReport;
for (const line of [...r.rolledBack, ...r.completed, ...r.orphansRemoved.map((n) => `removed orphan ${n}`), ...r.damaged.map((d) => `DAMAGED ${d}`)]) console.error(`open: ${line}`);
if (r.wal !== null && r.wal.records > 0) console.error(`open: replayed ${r.wal.records} wal records (${r.wal.events} events)`);
let failed = false;
if (args.scripts.length > 0) {
  for (const s of args.scripts) if (!(await run(db, s))) failed = true;
} else {
  const tty = process.stdin.isTTY === true;
  if (tty) console.log(`strata console on ${args.dir}; statements end with ; or a new line; \\q quits`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'strata> ', terminal: tty });
  if (tty) rl.prompt();
  for await (const line of rl) {
    if (line.trim() === '\\q' || line.trim().toLowerCase() === 'quit') break;
    if (!(await run(db, line))) failed = true;
    if (tty) rl.prompt();
  }
  rl.close();
}
await db.close();
process.exitCode = failed ? 1 : 0;
