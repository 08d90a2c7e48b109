/**
 * `db.operations` is a read-only view of the operations in flight: it lists copies of
 * what SHOW OPERATIONS shows as running, and nothing can be registered or changed
 * through it (the registry stays inside the engine).
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('strata-ops-')));
afterEach(() => cleanup());

test('db.operations lists copies of the running operations and offers nothing else', async () => {
  const db = await Strata.open(dir, { workers: 0 });
  try {
    const b = new BatchBuilder();
    for (let i = 0; i < 100; i++) b.insert(i, 'k', `v${i}`);
    await db.write(b);
    const view = db.operations;
    expect(Object.keys(view)).toEqual(['list']);
    expect(Object.isFrozen(view)).toBe(true);
    expect('begin' in view).toBe(false);
    expect(() => Object.assign(view, { begin: () => undefined })).toThrow(TypeError);

    // the refresh registers its operation before its first await
    const refresh = db.refresh(0);
    const listed = db.operations.list();
    expect(listed).toMatchObject([{ kind: 'refresh', partition: 0n, source: 'main', destination: 'main', bytes_done: 0 }]);
    // a copy: changing it changes nothing the engine holds
    listed[0]!.bytes_done = 12345;
    expect(db.operations.list()[0]!.bytes_done).toBe(0);
    await refresh;
    expect(db.operations.list()).toEqual([]);
    expect(await db.execute('SHOW OPERATIONS')).toEqual([]);
  } finally {
    await db.close();
  }
});
