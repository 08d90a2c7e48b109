/**
 * Where a storage's path may lead (CREATE STORAGE, ALTER STORAGE ... SET path): inside
 * the database directory when relative (not through `..` nor a symbolic link), with an
 * existing parent, never inside the WAL folder, the manifest or another storage's
 * folder. A refused path changes nothing: no folder anywhere, no manifest row.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata, StrataError } from '../../src/index.ts';
import { scan, tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let dir: string;
let db: Strata;
beforeEach(async () => {
  tmp = tempDir('strata-paths-');
  dir = path.join(tmp.dir, 'db');
  db = await Strata.open(dir, { workers: 0, interval: 100 });
});
afterEach(async () => {
  await db.close();
  tmp.cleanup();
});

interface StorageRow {
  name: string;
  config: { uuid: string; path: string };
}
const storages = async (): Promise<StorageRow[]> => (await db.execute('SHOW STORAGES')) as StorageRow[];
const uuidOf = async (name: string): Promise<string> => (await storages()).find((s) => s.name === name)!.config.uuid;

/** Every path under the temp root: what a refused statement must leave as it was. */
function tree(): string[] {
  return (fs.readdirSync(tmp.dir, { recursive: true }) as string[]).sort();
}

const LEAVES = /leads outside the database directory/;
const ALLOWED = /; a storage's path is a folder whose parent exists, absolute or inside the database directory, and not in the WAL folder, the manifest or a storage's folder$/;

/** Runs `sql`, expects INVALID_INPUT starting with `op` and matching `why`, and that nothing changed. */
async function refused(sql: string, op: string, why: RegExp): Promise<void> {
  const before = { tree: tree(), storages: await storages() };
  const e = await db.execute(sql).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, sql).toBeInstanceOf(StrataError);
  expect((e as StrataError).code, `${sql}: ${(e as Error).message}`).toBe('INVALID_INPUT');
  expect((e as Error).message, sql).toMatch(new RegExp(`^${op}: `));
  expect((e as Error).message, sql).toMatch(why);
  // every refusal says what is allowed
  if (!/NUL|empty/.test(why.source)) expect((e as Error).message, sql).toMatch(ALLOWED);
  expect(tree(), `${sql} created nothing`).toEqual(before.tree);
  expect(await storages(), `${sql} recorded nothing`).toEqual(before.storages);
}

test('a relative path may not leave the database directory', async () => {
  for (const p of ['../../etc', '..', '../sibling', 'a/../../x', './../db-other']) {
    await refused(`CREATE STORAGE bad (path '${p}')`, 'create storage', LEAVES);
  }
  await db.execute('CREATE STORAGE s');
  await refused("ALTER STORAGE s SET path TO '../../etc'", 'alter storage', LEAVES);
  await refused("ALTER STORAGE s SET (path '..')", 'alter storage', LEAVES);
});

test('nor through a symbolic link', async () => {
  const outside = path.join(tmp.dir, 'outside');
  fs.mkdirSync(outside);
  fs.symlinkSync(outside, path.join(dir, 'link'));
  fs.symlinkSync(tmp.dir, path.join(dir, 'up'));
  await refused("CREATE STORAGE bad (path 'link')", 'create storage', /outside the database directory through a symbolic link/);
  await refused("CREATE STORAGE bad (path 'link/x')", 'create storage', /through a symbolic link/);
  await refused("CREATE STORAGE bad (path 'up/db-other')", 'create storage', /through a symbolic link/);
  // a link that stays inside is fine
  fs.mkdirSync(path.join(dir, 'disks'));
  fs.symlinkSync(path.join(dir, 'disks'), path.join(dir, 'inner'));
  await db.execute("CREATE STORAGE ok (path 'inner/fast')");
  expect(fs.readdirSync(path.join(dir, 'disks', 'fast'))).toEqual([await uuidOf('ok')]);
  // an absolute path may lead anywhere, through links too
  await db.execute(`CREATE STORAGE far (path '${path.join(dir, 'link')}')`);
  expect(fs.readdirSync(outside)).toEqual([await uuidOf('far')]);
});

test('the parent must exist: Strata creates only the last level', async () => {
  // (under the temp directory: a regression must not leave folders at the root)
  const deep = path.join(tmp.dir, 'nonexistent', 'deep');
  await refused(`CREATE STORAGE bad (path '${deep}/x')`, 'create storage', new RegExp(`needs its parent folder '${deep}', which does not exist \\(Strata creates only the last level\\): create it first`));
  await refused("CREATE STORAGE bad (path 'a/b')", 'create storage', /needs its parent folder 'a', which does not exist/);
  fs.writeFileSync(path.join(dir, 'afile'), 'x');
  await refused("CREATE STORAGE bad (path 'afile')", 'create storage', /path 'afile' names a file, not a folder/);
  await refused("CREATE STORAGE bad (path 'afile/x')", 'create storage', /needs its parent 'afile' to be a folder/);
  // one level is created, then the storage's folder
  await db.execute(`CREATE STORAGE abs (path '${path.join(tmp.dir, 'cold')}')`);
  expect(fs.readdirSync(path.join(tmp.dir, 'cold'))).toEqual([await uuidOf('abs')]);
  await db.execute("CREATE STORAGE rel (path 'hot')");
  expect(fs.readdirSync(path.join(dir, 'hot'))).toEqual([await uuidOf('rel')]);
});

test('not inside the WAL folder, the manifest, the lock file or any storage folder', async () => {
  await db.execute("CREATE STORAGE hot (path 'disk')");
  const hot = await uuidOf('hot');
  const main = await uuidOf('main');
  for (const p of ['wal', 'wal/x', './wal/../wal/y', path.join(dir, 'wal')]) {
    await refused(`CREATE STORAGE bad (path '${p}')`, 'create storage', /is inside the WAL folder/);
  }
  for (const p of ['manifest.db', 'manifest.db-wal', 'manifest.db-shm', 'manifest.db/x', path.join(dir, 'manifest.db')]) {
    await refused(`CREATE STORAGE bad (path '${p}')`, 'create storage', /is at the manifest's place/);
  }
  await refused("CREATE STORAGE bad (path 'strata.lock')", 'create storage', /is at the lock file's place/);
  for (const p of [main, `${main}/x`, path.join(dir, main, 'y')]) {
    await refused(`CREATE STORAGE bad (path '${p}')`, 'create storage', /is inside the folder of storage 'main'/);
  }
  for (const p of [`disk/${hot}`, `disk/${hot}/deeper`]) {
    await refused(`CREATE STORAGE bad (path '${p}')`, 'create storage', /is inside the folder of storage 'hot'/);
  }
  // through symbolic links: compared as real paths
  fs.symlinkSync(path.join(dir, 'wal'), path.join(tmp.dir, 'walink'));
  await refused(`CREATE STORAGE bad (path '${path.join(tmp.dir, 'walink')}')`, 'create storage', /is inside the WAL folder/);
  fs.symlinkSync(path.join(dir, 'disk', hot), path.join(dir, 'alias'));
  await refused("CREATE STORAGE bad (path 'alias/x')", 'create storage', /is inside the folder of storage 'hot'/);
  // ALTER too, its own folder included
  await db.execute('CREATE STORAGE s');
  const s = await uuidOf('s');
  await refused("ALTER STORAGE s SET (path 'wal')", 'alter storage', /inside the WAL folder/);
  await refused(`ALTER STORAGE s SET (path '${s}/x')`, 'alter storage', /inside the folder of storage 's'/);
  await refused(`ALTER STORAGE s SET (path 'disk/${hot}')`, 'alter storage', /inside the folder of storage 'hot'/);
});

test("the same path as another storage's is fine: their folders differ by uuid", async () => {
  await db.execute("CREATE STORAGE a (path 'disk')");
  await db.execute("CREATE STORAGE b (path 'disk')");
  await db.execute("CREATE STORAGE c (path '.')");
  await db.execute(`CREATE STORAGE d (path '${dir}')`);
  expect(fs.readdirSync(path.join(dir, 'disk')).sort()).toEqual([await uuidOf('a'), await uuidOf('b')].sort());
  for (const s of ['c', 'd']) expect(fs.existsSync(path.join(dir, await uuidOf(s)))).toBe(true);
  await db.write(new BatchBuilder().insert(1, 'k', 'v'));
  await db.execute('MOVE PARTITION 0 INTO b');
  await db.execute('MOVE PARTITION 0 INTO c');
  expect(scan(db).map((r) => r.value)).toEqual(['v']);
});

test("an empty path and a NUL byte are INVALID_INPUT; storages that never set a path stay in the database directory", async () => {
  await refused("CREATE STORAGE bad (path '')", 'create storage', /path '' is empty; give a folder .*'\.' is the database directory itself.*or leave path out/);
  await refused("CREATE STORAGE bad (path 'a\0b')", 'create storage', /path holds a NUL byte; a path is a folder name without NUL bytes/);
  await refused(`CREATE STORAGE bad (path '${path.join(dir, 'x\0')}')`, 'create storage', /NUL byte/);
  await db.execute('CREATE STORAGE s');
  await refused("ALTER STORAGE s SET (path '')", 'alter storage', /path '' is empty/);
  await refused("ALTER STORAGE main SET path TO ''", 'alter storage', /path '' is empty/);
  await refused("ALTER STORAGE s SET (path 'x\0')", 'alter storage', /NUL byte/);
  // never set: '' as before, the database directory
  expect((await storages()).map((s) => s.config.path)).toEqual(['', '']);
  expect(fs.existsSync(path.join(dir, await uuidOf('s')))).toBe(true);
  // other options still change; the path may be given and taken back with '.'
  await db.execute("ALTER STORAGE s SET (compression 'lz4')");
  await db.execute("ALTER STORAGE s SET (path 'x')");
  await db.execute("ALTER STORAGE s SET (path '.')");
  expect(fs.readdirSync(path.join(dir, 'x'))).toEqual([]);
  expect(fs.existsSync(path.join(dir, await uuidOf('s')))).toBe(true);
});

test('at open, a storage folder whose parent is gone is not created again: IO, naming it', async () => {
  const base = path.join(tmp.dir, 'mnt', 'cold');
  fs.mkdirSync(path.dirname(base));
  await db.execute(`CREATE STORAGE cold (path '${base}')`);
  await db.close();
  fs.rmSync(path.dirname(base), { recursive: true });
  const e = await Strata.open(dir, { workers: 0 }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StrataError);
  expect((e as StrataError).code).toBe('IO');
  expect((e as Error).message).toBe(`open: storage 'cold': cannot create ${base}: its parent folder does not exist (a disk not mounted, or a folder removed?); restore it`);
  expect(fs.existsSync(path.dirname(base))).toBe(false);
  // restored (mounted again): it opens, and the missing levels below are created
  fs.mkdirSync(path.dirname(base));
  db = await Strata.open(dir, { workers: 0 });
  expect(fs.readdirSync(base).length).toBe(1);
});
