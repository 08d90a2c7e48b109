/**
 * The layer rule of eslint.config.js (docs/architecture.md#layers), run through ESLint
 * itself on imports a file of each layer might write: what points down passes, what
 * points up or sideways fails with the rule's message. `npm run lint` checks the tree;
 * this checks that the rule says what the architecture page says.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, test } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The layer rule's messages for `code` written in `file` (repo-relative). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(`${code}\nexport const x = 1;\n`, { filePath: `${root}${file}` });
  return r!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

const passes = async (file: string, code: string): Promise<void> => {
  expect(await layerErrors(file, code), `${file}: ${code}`).toEqual([]);
};
const fails = async (file: string, code: string, says: string | RegExp): Promise<void> => {
  const errors = await layerErrors(file, code);
  expect(errors.length, `${file}: ${code} should fail`).toBeGreaterThan(0);
  expect(errors.join('\n')).toMatch(says);
};

describe('the layers of src/ point downward', () => {
  test('api -> statements -> engine -> tiering -> lower layers', async () => {
    await passes('src/api/database.ts', "import { executeScript } from '../statements/execute.ts';");
    await passes('src/statements/execute.ts', "import { refreshPartition } from '../engine/lifecycle/refresh.ts';");
    await passes('src/engine/core/context.ts', "import { StorageRegistry } from '../../tiering/index.ts';");
    await passes('src/tiering/storage.ts', "import { Codec } from '../codec/index.ts';");
    await fails('src/statements/execute.ts', "import { Database } from '../api/database.ts';", 'src/statements may not import src/api');
    await fails('src/tiering/storage.ts', "import type { Config } from '../engine/core/config.ts';", 'src/tiering may not import src/engine/core');
    await fails('src/partition/memtable.ts', "import { Wal } from '../wal/index.ts';", 'src/partition may not import src/wal');
  });

  test("the engine's sub-layers: db -> lifecycle -> cloud -> core", async () => {
    await passes('src/engine/db/service.ts', "import { rebalance } from '../lifecycle/rebalance.ts';");
    await passes('src/engine/lifecycle/refresh.ts', "import { putObject } from '../cloud/cloud-objects.ts';");
    await passes('src/engine/cloud/cloud-objects.ts', "import { syncDir } from '../core/fs-util.ts';");
    // the scheduler may not reach a statement (rebalance lived in exec-storages.ts)
    await fails('src/engine/db/service.ts', "import { rebalance } from '../../statements/exec-storages.ts';", 'src/engine/db may not import src/statements');
    await fails('src/engine/lifecycle/refresh.ts', "import { checkpointAll } from '../db/checkpoint.ts';", 'src/engine/lifecycle may not import src/engine/db');
    await fails('src/engine/cloud/cloud-objects.ts', "import { refreshPartition } from '../lifecycle/refresh.ts';", 'src/engine/cloud may not import src/engine/lifecycle');
    await fails('src/engine/core/exclusive.ts', "import { cloudOf } from '../cloud/cloud-objects.ts';", 'src/engine/core may not import src/engine/cloud');
  });

  test('core names cloud types in its shared state only, and only as types', async () => {
    await passes('src/engine/core/context.ts', "import type { CloudLinks } from '../cloud/cloud-link.ts';");
    await passes('src/engine/core/partition-state.ts', "import type { RemoteObject } from '../cloud/remote-object.ts';");
    await fails('src/engine/core/context.ts', "import { CloudLinks } from '../cloud/cloud-link.ts';", 'src/engine/core may not import src/engine/cloud');
    await fails('src/engine/core/serial.ts', "import type { CloudLinks } from '../cloud/cloud-link.ts';", 'src/engine/core may not import src/engine/cloud');
  });

  test('engine/cloud and src/cloud are told apart', async () => {
    await passes('src/engine/cloud/cloud-link.ts', "import { openCloud } from '../../cloud/index.ts';");
    await fails('src/cloud/retry.ts', "import { cloudOf } from '../engine/cloud/cloud-objects.ts';", 'src/cloud may not import src/engine/cloud');
  });
});

describe('grammar, errors and the public API', () => {
  test('only statements take the AST; the engine and tiering take plain options', async () => {
    await passes('src/statements/options.ts', "import type { Option } from '../../grammar/index.ts';");
    await fails('src/tiering/storage.ts', "import type { Option } from '../../grammar/index.ts';", 'src/tiering may not import grammar');
    await fails('src/engine/cloud/cloud-registry.ts', "import type { Option } from '../../../grammar/index.ts';", 'src/engine/cloud may not import grammar');
    await fails('src/api/database.ts', "import { parse } from '../../grammar/index.ts';", 'src/api may not import grammar');
  });

  test('grammar/ imports src/errors.ts and nothing else of src/', async () => {
    await passes('grammar/errors.ts', "import { StrataError } from '../src/errors.ts';");
    await fails('grammar/to-ast.ts', "import { MAX_ID } from '../src/codec/index.ts';", 'grammar/ knows nothing of src/');
    await fails('grammar/to-ast.ts', "import { Strata } from '../src/index.ts';", 'grammar/ knows nothing of src/');
  });

  test('src/errors.ts is a leaf every layer may import', async () => {
    await fails('src/errors.ts', "import { MAX_ID } from './codec/index.ts';", 'src/errors.ts is a leaf');
    await passes('src/codec/record.ts', "import { StrataError } from '../errors.ts';");
    await passes('src/engine/core/lock.ts', "import { StrataError } from '../../errors.ts';");
  });

  test('repl/ uses the public API and the grammar; src/index.ts re-exports api/ and codec/', async () => {
    await passes('repl/console.ts', "import { Strata } from '../src/index.ts';");
    await passes('repl/console.ts', "import { parse } from '../grammar/index.ts';");
    await fails('repl/console.ts', "import { Database } from '../src/api/database.ts';", 'repl may not import src/api');
    await passes('src/index.ts', "export { Database as Strata } from './api/index.ts';");
    await fails('src/index.ts', "export { Rollover } from './engine/core/rollover.ts';", 'src/index.ts may not import src/engine/core');
  });

  test('packages stay with their owner', async () => {
    await passes('src/manifest/manifest.ts', "import Database from 'better-sqlite3';");
    await fails('src/engine/core/lock.ts', "import Database from 'better-sqlite3';", 'only src/manifest imports better-sqlite3');
    await fails('src/cloud/retry.ts', "import { S3Client } from '@aws-sdk/client-s3';", 'only src/cloud/s3 imports');
    await passes('src/cloud/s3/s3-cloud.ts', "import { Upload } from '@aws-sdk/lib-storage';");
    await fails('src/engine/cloud/cloud-link.ts', "import { Upload } from '@aws-sdk/lib-storage';", 'only src/cloud/s3 imports @aws-sdk/lib-storage');
  });
});
