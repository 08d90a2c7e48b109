/**
 * The interactive console in a real pseudo-terminal, driven as a person would: typing,
 * Tab, the up arrow, Ctrl-C and Ctrl-D. Each step waits for the output it expects
 * (generous timeouts, no sleeps), so a slow machine only makes it slower.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { stripAnsi } from '../../repl/colour.ts';
import { createCloudSql } from '../cloud/engine-helpers.ts';
import { startFaultProxy } from '../cloud/fault-proxy.ts';
import { startS3Server } from '../cloud/s3-server.ts';
import { KEY, Terminal, childEnv, runStrata, tempDir } from './helpers.ts';

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
  await term.waitFor(/strata \d+\.\d+\.\d+ on .*\(storages: [^)]*\).*\n.*strata> $/);
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
    await t.run('SHOW STORAGES', /\n\(1 storage\)\n/);
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
    // one format for every time: milliseconds to the microsecond
    await t.run('SHOW ssn', /\n\{"ssn":0\}\ntime: \d+\.\d{3} ms\n/);
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

  test('the views as tables on a terminal, JSON after \\json and in scripts; a ; typed at the end of a line is echoed', async () => {
    const dir = path.join(tmp.dir, 'db');
    const db = await Strata.open(dir, { workers: 0, interval: 1000 });
    await db.execute("CREATE STORAGE cold; INSERT (1, 'a'); INSERT (1500, 'b'); MOVE PARTITION 0 INTO cold; ALTER PIPELINE main (size 10G), cold (duration 30d)");
    await db.close();
    const t = await start(dir, path.join(tmp.dir, 'history'));

    const table = await t.run('SHOW PARTITIONS;', /\(2 partitions\)\n/);
    // the ; stays on screen after the statement runs
    expect(table).toMatch(/^SHOW PARTITIONS;\n/);
    expect(table).toMatch(/ +min \| +max \| storage \| events \| in memory \| +size \| file +\| created +\| refreshed\n[-+]+\n +0 \| +999 \| cold +\| +1 \| +0 \| +\d+ B \| local \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \|/);
    const pipeline = await t.run('SHOW PIPELINE', /\(2 tiers\)\n/);
    expect(pipeline).toMatch(/ +1 \| main +\| +- \| 10\.0 GiB \| +- \| +-\n +2 \| cold +\| +- \| +- \| +- \| +30d\n/);

    await t.run('\\json', 'json is on');
    const json = await t.run('SHOW PARTITIONS', /\n\]\n/);
    expect(json).toMatch(/"min": 1000,\n\s+"max": 1999,/);
    expect(json).toMatch(/"created": \d{16},/);
    await t.run('\\json off', 'json is off');
    await t.run('SHOW STORAGES', /\(2 storages\)\n/);
    t.type('\\q' + KEY.enter);
    expect(await t.exited).toBe(0);

    // a script prints the exact JSON
    const script = await runStrata([dir, '-e', 'SHOW PARTITIONS']);
    expect(script.code).toBe(0);
    expect((JSON.parse(script.stdout) as { min: number; storage: string }[]).map((p) => `${p.min}@${p.storage}`)).toEqual(['0@cold', '1000@main']);
  });

  test('Ctrl-C during MOVE PARTITIONS cancels it between partitions: every partition is in exactly one storage', async () => {
    // the partitions are only on a cloud behind a proxy, so each move first fetches its
    // object; the proxy holds the fetch of the third partition until Ctrl-C has been
    // seen, so the statement is mid-way whatever the machine's speed
    const s3 = await startS3Server();
    const proxy = await startFaultProxy(s3.url);
    try {
      const dir = path.join(tmp.dir, 'db');
      const n = 20;
      const db = await Strata.open(dir, { workers: 0, interval: 10 });
      await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3'); ALTER PIPELINE cold`);
      const b = new BatchBuilder();
      for (let i = 0; i < n * 10; i++) b.insert(i, undefined, `v${i}`);
      await db.write(b);
      await db.execute(`CHECKPOINT; UPLOAD PARTITIONS BETWEEN 0 AND ${n * 10}; ALTER PIPELINE RESET`);
      expect(((await db.execute('SHOW PARTITIONS')) as { on_storage: boolean; on_cloud: boolean }[]).every((p) => !p.on_storage && p.on_cloud)).toBe(true);
      await db.close();
      const t = await start(dir, path.join(tmp.dir, 'history'));
      proxy.inject({ kind: 'hold' }, Infinity, { method: 'GET', url: '/00000000000000000020.' });
      t.mark();
      t.type(`MOVE PARTITIONS BETWEEN 0 AND ${n * 10} INTO main` + KEY.enter);
      // the third move waits on its held fetch; the progress line says so
      await t.waitFor(new RegExp(`\\[3/${n}\\] move 20 cold -> main`));
      t.type(KEY.ctrlC);
      await t.waitFor('^C cancelling: the partition in flight finishes, the others are not started');
      proxy.clear();
      proxy.release();
      const out = await t.waitFor(/error: CANCELLED: [^\n]*\n.*strata> $/);
      expect(out).toContain(`move partitions: cancelled: 3 of ${n} partitions done, the other ${n - 3} not started`);
      // the progress line is gone: what the terminal shows on the error's line (after its
      // last carriage return, which a clear to the end of the line follows) is the error
      const raw = t.output.split('\n').find((l) => l.includes('error: CANCELLED'))!.replace(/\r$/, '');
      expect(raw).toContain('\r\x1b[K');
      expect(stripAnsi(raw.slice(raw.lastIndexOf('\r')))).toMatch(/^\rerror: CANCELLED: move partitions/);
      t.type('\\q' + KEY.enter);
      expect(await t.exited).toBe(0);

      const again = await Strata.open(dir, { workers: 0 });
      try {
        const parts = (await again.execute('SHOW PARTITIONS')) as { min: bigint; storage: string; on_storage: boolean; on_cloud: boolean }[];
        expect(parts.map((p) => `${p.min}@${p.storage}`)).toEqual(Array.from({ length: n }, (_, i) => `${i * 10}@${i < 3 ? 'main' : 'cold'}`));
        // each in exactly one place: a local file on main, or the object on cold's cloud
        expect(parts.every((p) => (p.storage === 'main' ? p.on_storage && !p.on_cloud : !p.on_storage && p.on_cloud))).toBe(true);
        const folders = ((await again.execute('SHOW STORAGES')) as { name: string; config: { uuid: string } }[]).map((st) => path.join(dir, st.config.uuid));
        expect(folders.flatMap((f) => fs.readdirSync(f).filter((name) => name.endsWith('.part')))).toHaveLength(3);
        expect(((await again.execute(`SELECT FROM 0 TO ${n * 10}`)) as unknown[]).length).toBe(n * 10);
      } finally {
        await again.close();
      }
    } finally {
      proxy.release();
      await proxy.close();
      await s3.close();
    }
  });
});
