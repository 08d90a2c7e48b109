// Lint: typescript-eslint's recommended rules, plus the layer rule of DESIGN.md: imports
// point only downward (docs/architecture.md#layers). Each layer lists the layers it may
// import; every other layer of the project is forbidden to it, and a message names the
// pair. The rule matches import paths as written (all relative), so it is generated per
// folder with the exact relative path of each forbidden layer: `../cloud/` from
// src/engine/core is engine/cloud, `../../cloud/` is src/cloud.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

/** The layers below the engine that the engine and tiering stand on. */
const lower = ['src/partition', 'src/parquet', 'src/wal', 'src/manifest', 'src/cloud', 'src/workers', 'src/codec'];

/**
 * Every layer, top first, and the layers it may import (src/errors.ts, the one error
 * type, is a leaf that every layer may import, grammar/ included). The engine's
 * sub-layers go db -> lifecycle -> cloud -> core.
 */
const layers = {
  repl: ['src/index.ts', 'grammar', 'src/server'],
  'src/server': ['src/index.ts', 'src/arrow', 'src/codec', 'grammar'],
  'src/index.ts': ['src/api', 'src/codec', 'src/client'],
  'src/client': ['src/codec'],
  'src/api': ['src/arrow', 'src/statements', 'src/engine/db', 'src/engine/lifecycle', 'src/engine/cloud', 'src/engine/core', 'src/tiering', ...lower],
  'src/statements': ['grammar', 'src/engine/db', 'src/engine/lifecycle', 'src/engine/cloud', 'src/engine/core', 'src/tiering', ...lower],
  'src/engine/db': ['src/engine/lifecycle', 'src/engine/cloud', 'src/engine/core', 'src/tiering', ...lower],
  'src/engine/lifecycle': ['src/engine/cloud', 'src/engine/core', 'src/tiering', ...lower],
  'src/engine/cloud': ['src/engine/core', 'src/tiering', ...lower],
  'src/engine/core': ['src/tiering', ...lower],
  'src/tiering': lower,
  'src/partition': ['src/workers', 'src/parquet', 'src/codec'],
  // partition files in Parquet: the record layout below it, nothing of partitions
  'src/parquet': ['src/codec'],
  'src/wal': ['src/codec'],
  'src/manifest': ['src/codec'],
  'src/cloud': ['src/codec'],
  'src/workers': ['src/codec'],
  'src/codec': [],
  // Arrow in and out: the batch format below it, nothing of the engine
  'src/arrow': ['src/codec'],
  // the DDL language knows nothing of src/: its one import there is src/errors.ts
  grammar: [],
  // the leaf
  'src/errors.ts': [],
};

/**
 * The exceptions, by file: type-only imports of a higher sub-layer. The engine's
 * shared state (core) names types of the cloud tier it holds (the context holds the
 * cloud catalog, the clients and the failed deletions; a partition its cloud object),
 * but never runs its code. docs/architecture.md#layers says why.
 */
const typeOnly = {
  'src/engine/core/context.ts': ['src/engine/cloud'],
  'src/engine/core/partition-state.ts': ['src/engine/cloud'],
};

/** Packages only one layer may import (DESIGN.md: "Only cloud/s3 imports the AWS SDK..."). */
const ownedPackages = [
  { name: 'better-sqlite3', owner: 'src/manifest' },
  { name: 'zstd-napi', owner: 'src/codec' },
  { name: 'lz4-napi', owner: 'src/codec' },
  { name: '@aws-sdk/client-s3', owner: 'src/cloud/s3' },
  { name: '@aws-sdk/lib-storage', owner: 'src/cloud/s3' },
  { name: 'apache-arrow', owner: 'src/arrow' },
  { name: 'fastify', owner: 'src/server' },
  { name: 'prom-client', owner: 'src/server' },
  { name: 'hyparquet', owner: 'src/parquet' },
  { name: 'hyparquet-writer', owner: 'src/parquet' },
];

const isFile = (layer) => layer.endsWith('.ts');

/** The layer a folder or file belongs to: the longest layer path holding it. */
function layerOf(p) {
  let best = null;
  for (const layer of Object.keys(layers)) {
    if ((p === layer || p.startsWith(`${layer}/`)) && (best === null || layer.length > best.length)) best = layer;
  }
  return best;
}

/** The repository: where this file is. */
const root = path.dirname(fileURLToPath(import.meta.url));

/** Every folder under `dir` (itself included) that holds .ts files, repo-relative. */
function folders(dir) {
  const out = [];
  const walk = (d) => {
    const entries = fs.readdirSync(path.join(root, d), { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('.ts'))) out.push(d);
    for (const e of entries) if (e.isDirectory()) walk(path.posix.join(d, e.name));
  };
  if (fs.existsSync(path.join(root, dir))) walk(dir);
  return out;
}

/** The import pattern, relative to `from` (a folder), of everything in `target`. */
function relative(from, target) {
  let rel = path.posix.relative(from, target);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return isFile(target) ? rel : `${rel}/**`;
}

/** The options of no-restricted-imports for the files of `folder`, in `layer`. */
function restrictions(folder, layer, typeOnlyTargets = []) {
  if (layer === 'src/errors.ts') return { patterns: [{ group: ['./**', '../**'], message: 'src/errors.ts is a leaf: it imports nothing of the project' }] };
  const allowed = new Set([layer, ...layers[layer], 'src/errors.ts']);
  const patterns = [];
  if (layer === 'grammar') {
    patterns.push({ group: [relative(folder, 'src'), `!${relative(folder, 'src/errors.ts')}`], message: 'grammar/ knows nothing of src/: its one import from src/ is src/errors.ts' });
  }
  for (const target of Object.keys(layers)) {
    if (allowed.has(target)) continue;
    // a layer inside this one (src/cloud holds no layer; src/ holds them all) is not a target
    if (layer === 'grammar' && target.startsWith('src')) continue;
    if (target.startsWith(`${layer}/`)) continue;
    patterns.push({
      group: [relative(folder, target)],
      message: `${layer} may not import ${target}: imports point only downward (docs/architecture.md#layers)`,
      ...(typeOnlyTargets.includes(target) ? { allowTypeImports: true } : {}),
    });
  }
  const owned = ownedPackages.filter((p) => !(folder === p.owner || folder.startsWith(`${p.owner}/`)));
  return {
    // subpaths too (`@aws-sdk/client-s3/dist-cjs/...`)
    patterns: [...patterns, ...owned.map((p) => ({ group: [`${p.name}/**`], message: `only ${p.owner} imports ${p.name}` }))],
    paths: owned.map((p) => ({ name: p.name, message: `only ${p.owner} imports ${p.name}` })),
  };
}

const rule = '@typescript-eslint/no-restricted-imports';

// every folder of code belongs to a layer: a new folder must be placed in the table above
for (const folder of ['repl', 'grammar', 'src'].flatMap(folders)) {
  if (folder !== 'src' && layerOf(folder) === null) throw new Error(`eslint.config.js: folder ${folder} belongs to no layer; add it to \`layers\``);
}

/** One config entry per folder of every layer, then one per file of the layers that are files, then the exceptions. */
const layerConfigs = [
  ...['repl', 'grammar', 'src']
    .flatMap(folders)
    .filter((folder) => layerOf(folder) !== null)
    .map((folder) => ({ files: [`${folder}/*.ts`], rules: { [rule]: ['error', restrictions(folder, layerOf(folder))] } })),
  ...Object.keys(layers)
    .filter(isFile)
    .map((file) => ({ files: [file], rules: { [rule]: ['error', restrictions(path.posix.dirname(file), file)] } })),
  ...Object.entries(typeOnly).map(([file, targets]) => ({
    files: [file],
    rules: { [rule]: ['error', restrictions(path.posix.dirname(file), layerOf(path.posix.dirname(file)), targets)] },
  })),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerConfigs,
);
