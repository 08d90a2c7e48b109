/**
 * The interactive console in a real pseudo-terminal, driven as a person would: typing,
 * Tab, the up arrow, Ctrl-C and Ctrl-D. Each step waits for the output it expects
 * (generous timeouts, no sleeps), so a slow machine only makes it slower.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { KEY, Terminal, childEnv, tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let term: Terminal | null = null;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => {
  term?.kill();
  term = null;
  tmp.cleanup();
});

/** The console on `dir` with its history in the temp directory. */
async function start(dir: string, history: string): Promise<Terminal> {
  term = new Terminal([dir], childEnv(history));
  await term.waitFor(/strata \d+\.\d+\.\d+ on .*\(storages: main\).*\n.*strata> $/);
  return term;
}

/** The line that holds `text`, and the caret line after it, of a syntax error's output. */
function caretUnder(output: string, text: string): { line: string; caret: string } {
  const lines = output.split('\n');
  const i = lines.findIndex((l) => l.startsWith('  ') && l.includes(text) && lines[lines.indexOf(l) + 1]?.trim() === '^');
  return { line: lines[i] ?? '', caret: lines[i + 1] ?? '' };
}

// each step waits up to 30 s for its output; a whole session gets two minutes
describe('the interactive console', { timeout: 120_000 }, () => {
  test('a session: completion, results, a syntax error, history, Ctrl-C, Ctrl-D, then the data is there', async () => {
    const dir = path.join(tmp.dir, 'db');
    const history = path.join(tmp.dir, 'history');
    const t = await start(dir, history);

    // Tab completes a keyword; the statement runs at the end of the line
    t.mark();
    t.type('CREATE STO' + KEY.tab);
    await t.waitFor('CREATE STORAGE ');
    t.mark();
    t.type('hot;' + KEY.enter);
    await t.waitFor(/\nok\n/);
    await t.run('create storage cold', /\nok\n/);

    // Tab completes the name of a storage that exists; SHOW answers coloured JSON
    t.mark();
    t.type('SHOW STORAGE co' + KEY.tab);
    await t.waitFor('SHOW STORAGE cold ');
    t.mark();
    t.type(KEY.enter);
    await t.waitFor(/"name": "cold",[\s\S]*"stats": \{[\s\S]*\n\}\n/);
    expect(t.output).toContain('\x1b[36m"name"\x1b[39m: \x1b[32m"cold"\x1b[39m');

    // a statement over two lines: the first is incomplete, the prompt says so
    await t.run("INSERT (1, 'one');", /\nok\n/);
    await t.run('INSERT (2,', /\.\.\.> $/);
    await t.run("'two')", /\nok\n/);
    const rows = await t.run('SELECT', /\(2 rows\)/);
    expect(rows).toMatch(/id \| key \| value\n-+\+-+\+-+\n 1 \|\s+\| one\n 2 \|\s+\| two\n/);

    // a syntax error: the line, a caret under the offending token, what was expected
    const error = await t.run('MOVE PARTITION 5 TO cold', /\n\s*\^\n/);
    expect(error).toContain("error: SYNTAX: syntax error at line 1, column 18: unexpected 'TO'; expected INTO in MOVE PARTITION [IF EXISTS] id INTO storage");
    const { line, caret } = caretUnder(error, 'MOVE PARTITION 5 TO cold');
    expect(caret.indexOf('^')).toBe(line.indexOf('TO cold'));

    // the up arrow recalls earlier lines: twice up is SELECT, which runs again
    t.mark();
    t.type(KEY.up);
    await t.waitFor('MOVE PARTITION 5 TO cold');
    t.type(KEY.up);
    await t.waitFor(/strata> SELECT$/);
    await t.run('', /\(2 rows\)/);

    // Ctrl-C drops the line being typed, and the statement started on earlier lines
    t.mark();
    t.type('SHOW');
    t.type(KEY.enter);
    await t.waitFor(/\.\.\.> $/);
    t.type('PARTITIONS nowhere' + KEY.ctrlC);
    await t.waitFor(/\^C\n.*strata> $/);
    const wal = await t.run('SHOW WAL', /"enabled": true/);
    expect(wal).not.toContain('error');

    // \help shows a statement's syntax and summary from docs/sql
    const help = await t.run('\\help MOVE', /more: docs\/sql\/move-partition\.md/);
    expect(help).toContain('MOVE PARTITIONS {BETWEEN a AND b | FROM a TO b} INTO storage');
    expect(help).toContain('Moves partitions to another storage');

    // Ctrl-D closes the database and exits with status 0
    t.type(KEY.ctrlD);
    expect(await t.exited).toBe(0);

    const db = await Strata.open(dir);
    try {
      expect(await db.execute('SELECT')).toEqual([
        { id: 1n, key: null, value: 'one' },
        { id: 2n, key: null, value: 'two' },
      ]);
      expect(((await db.execute('SHOW STORAGES')) as { name: string }[]).map((s) => s.name)).toEqual(['cold', 'hot', 'main']);
    } finally {
      await db.close();
    }
    const saved = fs.readFileSync(history, 'utf8').split('\n');
    expect(saved).toContain('CREATE STORAGE hot;');
    expect(saved).toContain('\\help MOVE');
  });

  test('the banner and the prompt come before the grammar is loaded, which comes right after', async () => {
    const probe = fileURLToPath(new URL('./grammar-probe.mjs', import.meta.url));
    term = new Terminal([path.join(tmp.dir, 'db')], childEnv(null, { NODE_OPTIONS: `--import=${JSON.stringify(probe)}` }));
    const t = term;
    // no keystroke: the console loads the grammar once the prompt is up
    const out = await t.waitFor('[grammar loaded]');
    const loaded = out.indexOf('[grammar loaded]');
    expect(out.indexOf('(storages: main); \\help for help')).toBeGreaterThan(-1);
    expect(out.indexOf('(storages: main); \\help for help')).toBeLessThan(loaded);
    expect(out.indexOf('strata> ')).toBeLessThan(loaded);
    await t.run('SHOW STORAGES', /"name": "main"/);
    t.type('\\q' + KEY.enter);
    expect(await t.exited).toBe(0);
  });

  test('history is kept across sessions; \\timing; \\q quits', async () => {
    const dir = path.join(tmp.dir, 'db');
    const history = path.join(tmp.dir, 'history');
    fs.writeFileSync(history, "INSERT (7, 'seven')\nSHOW CONFIG interval\n");
    const t = await start(dir, history);
    t.mark();
    t.type(KEY.up);
    await t.waitFor(/strata> SHOW CONFIG interval$/);
    t.type(KEY.up);
    await t.waitFor(/strata> INSERT \(7, 'seven'\)$/);
    await t.run('', /\nok\n/);
    await t.run('\\timing', 'timing is on');
    await t.run('SHOW ssn', /\n\{"ssn":0\}\ntime: [\d.]+ (ms|s)\n/);
    t.mark();
    t.type(KEY.ctrlC); // on an empty line: nothing to cancel, the console stays
    await t.waitFor(/\^C\n.*strata> $/);
    t.type('\\q' + KEY.enter);
    expect(await t.exited).toBe(0);
    const db = await Strata.open(dir);
    try {
      expect(await db.execute('SELECT')).toEqual([{ id: 7n, key: null, value: 'seven' }]);
    } finally {
      await db.close();
    }
    const lines = fs.readFileSync(history, 'utf8').trim().split('\n');
    // the recalled line moved to the end (no duplicates); the older entry stays first
    expect(lines).toEqual(['SHOW CONFIG interval', "INSERT (7, 'seven')", '\\timing', 'SHOW ssn', '\\q']);
  });
});
