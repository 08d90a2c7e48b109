/**
 * Golden scenario tests: every `test/scenarios/<group>/<name>.sql` runs in a fresh
 * database (`workers 0`), one statement at a time; the output (each statement echoed
 * after `> `, then its result as JSON or its error) must equal `<name>.out` beside it.
 * Values that change from run to run (times, uuids) print as `(filtered)`.
 *
 * A script may write `${S3_URL}`: the runner puts there the URL of a real S3 server
 * (s3rver, test/cloud/s3-server.ts; credentials 'S3RVER'/'S3RVER'), started once, on
 * first use, and masks the URL back to `${S3_URL}` in the output.
 *
 * To accept new output after a deliberate change: `npm run test:golden:update`
 * (UPDATE_GOLDEN=1), then review the diff of the .out files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { Strata, StrataError, toJson } from '../../src/index.ts';
import { type S3Server, startS3Server } from '../cloud/s3-server.ts';
import { tempDir } from '../engine/helpers.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

/** Keys whose values change from run to run. */
const volatile = new Set(['created', 'refreshed', 'started', 'uuid']);
const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function filter(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(filter);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, volatile.has(k) && v !== null && v !== 0 ? '(filtered)' : filter(v)]));
  }
  return typeof value === 'string' ? value.replace(uuidPattern, '(filtered)') : value;
}

/** Splits a script into statements: each ends with `;` at the end of a line. */
function statements(script: string): string[] {
  const body = script
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n');
  return body
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** JSON on one line when short, indented otherwise. */
function render(value: unknown): string {
  const line = toJson(value);
  return line.length <= 100 ? line : toJson(value, 2);
}

const S3_URL = '${S3_URL}';
let s3: Promise<S3Server> | undefined;
afterAll(async () => {
  await (await s3)?.close();
});

/** The script with `${S3_URL}` replaced, and a function that masks the URL in output. */
async function withS3(script: string): Promise<{ script: string; mask: (out: string) => string }> {
  if (!script.includes(S3_URL)) return { script, mask: (out) => out };
  s3 ??= startS3Server();
  const { url } = await s3;
  return { script: script.replaceAll(S3_URL, url), mask: (out) => out.replaceAll(url, S3_URL) };
}

async function run(text: string): Promise<string> {
  const { script, mask } = await withS3(text);
  const { dir, cleanup } = tempDir('strata-scenario-');
  const db = await Strata.open(dir, { workers: 0 });
  const out: string[] = [];
  try {
    for (const stmt of statements(script)) {
      out.push(`> ${stmt.replace(/\n/g, '\n  ')}`);
      try {
        const result = await db.execute(stmt);
        out.push(result === null ? 'ok' : render(filter(result)));
      } catch (e) {
        if (!(e instanceof StrataError)) throw e;
        out.push(`error: ${e.code}: ${e.message.replace(uuidPattern, '(filtered)')}`);
      }
    }
  } finally {
    await db.close();
    cleanup();
  }
  return mask(out.join('\n') + '\n');
}

const groups = fs.readdirSync(root).filter((g) => fs.statSync(path.join(root, g)).isDirectory());
for (const group of groups) {
  describe(group, () => {
    for (const file of fs.readdirSync(path.join(root, group)).filter((f) => f.endsWith('.sql'))) {
      test(file.replace(/\.sql$/, ''), async () => {
        const sql = path.join(root, group, file);
        const expected = sql.replace(/\.sql$/, '.out');
        const actual = await run(fs.readFileSync(sql, 'utf8'));
        if (update || !fs.existsSync(expected)) {
          if (!update) throw new Error(`${expected} is missing; run npm run test:golden:update and review it`);
          fs.writeFileSync(expected, actual);
        }
        expect(actual).toBe(fs.readFileSync(expected, 'utf8'));
      });
    }
  });
}
