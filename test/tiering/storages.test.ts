/**
 * The tiering layer on its own: storages and the pipeline take plain options (no
 * statement AST) and the places the caller reserves, against a real manifest and real
 * folders. The statements layer converts the AST into these (src/statements/options.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Manifest } from '../../src/manifest/index.ts';
import { StorageRegistry, loadPipeline, savePipeline } from '../../src/tiering/index.ts';
import { tempDir } from '../engine/helpers.ts';
import { error } from '../expect-error.ts';

const defaults = { compression: 'zstd', compression_level: 1, region_size: 131072, sync: true, refresh_wm: 1024 };

let dir: string;
let cleanup: () => void;
let manifest: Manifest;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  manifest = Manifest.open(path.join(dir, 'manifest.db'));
});
afterEach(() => {
  manifest.close();
  cleanup();
});

describe('storages with plain options', () => {
  test('create checks each option in order and falls back to the defaults it is given', () => {
    const storages = new StorageRegistry(manifest, dir, []);
    storages.create('create storage', 'cold', [{ name: 'compression', value: 'lz4' }, { name: 'region_size', value: 65536n }], false);
    const cold = storages.get('test', 'cold');
    expect(cold.effective(defaults)).toMatchObject({ regionSize: 65536, compressionLevel: 1, sync: true });
    expect(cold.view(defaults)).toMatchObject({ compression: 'lz4', region_size: 65536 });
    expect(fs.statSync(cold.dir).isDirectory()).toBe(true);
    // the first bad option is the one reported, and nothing is created
    expect(error(() => storages.create('create storage', 'warm', [{ name: 'compression', value: 'brotli' }, { name: 'compression', value: 'lz4' }], false))).toMatchObject({
      code: 'INVALID_INPUT',
      message: "create storage: storage option compression must be one of none, zstd, lz4, got 'brotli'",
    });
    expect(storages.find('warm')).toBeUndefined();
    expect(manifest.listStorages().map((s) => s.name).sort()).toEqual(['cold', 'main']);
  });

  test('a path may not lead into a place the caller reserves, with the words the caller gives', () => {
    fs.mkdirSync(path.join(dir, 'kept'));
    const storages = new StorageRegistry(manifest, dir, [{ path: path.join(dir, 'kept'), why: 'is inside the kept folder' }]);
    const e = error(() => storages.create('create storage', 'x', [{ name: 'path', value: 'kept/inner' }], false));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/^create storage: path 'kept\/inner' is inside the kept folder; /);
    storages.create('create storage', 'y', [{ name: 'path', value: 'elsewhere' }], false);
    expect(storages.get('test', 'y').base).toBe(path.join(dir, 'elsewhere'));
  });
});

describe('the pipeline with plain tiers', () => {
  test('savePipeline checks the tiers, records them, and loadPipeline reads them back', () => {
    const storages = new StorageRegistry(manifest, dir, []);
    storages.create('create storage', 'cold', [], false);
    const tiers = savePipeline(manifest, storages, [
      { storage: 'main', limits: [{ name: 'size', value: 1000n }, { name: 'duration', value: 60_000_000n }] },
      { storage: 'cold', limits: [] },
    ]);
    expect(tiers).toEqual([
      { storage: 'main', limits: { size: 1000, duration: 60_000_000n } },
      { storage: 'cold', limits: {} },
    ]);
    expect(loadPipeline(manifest)).toEqual(tiers);
    // a bad tier changes nothing
    expect(error(() => savePipeline(manifest, storages, [{ storage: 'main', limits: [{ name: 'events', value: 1n }, { name: 'events', value: 2n }] }]))).toMatchObject({
      code: 'INVALID_INPUT',
      message: "alter pipeline: limit events of tier 'main' is given twice",
    });
    expect(error(() => savePipeline(manifest, storages, [{ storage: 'nowhere', limits: [] }])).code).toBe('NOT_FOUND');
    expect(loadPipeline(manifest)).toEqual(tiers);
  });
});
