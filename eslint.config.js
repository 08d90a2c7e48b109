// Lint: typescript-eslint's recommended rules, plus the layer rule of DESIGN.md:
// imports point only downward. Each layer lists the folders it must not import.
import tseslint from 'typescript-eslint';

/** Which folders each layer may not import from (higher layers and side siblings). */
const forbidden = {
  'src/api': ['**/repl/**', '**/src/index.ts', '**/grammar/**'],
  'src/statements': ['**/repl/**', '**/src/index.ts'],
  'src/engine': ['**/repl/**', '**/src/index.ts', '**/grammar/**'],
  'src/tiering': ['**/repl/**', '**/src/index.ts', '**/api/**', '**/statements/**', '**/engine/**', '**/grammar/**'],
  'src/partition': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/grammar/**', '**/manifest/**', '**/wal/**', '**/cloud/**'],
  'src/wal': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/grammar/**', '**/manifest/**', '**/cloud/**', '**/workers/**'],
  'src/manifest': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/grammar/**', '**/wal/**', '**/cloud/**', '**/workers/**'],
  'src/cloud': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/grammar/**', '**/wal/**', '**/manifest/**', '**/workers/**'],
  // listed apart (after src/cloud, so its entry wins) because it alone owns the AWS SDK
  'src/cloud/s3': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/grammar/**', '**/wal/**', '**/manifest/**', '**/workers/**'],
  'src/workers': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/grammar/**', '**/wal/**', '**/manifest/**', '**/cloud/**'],
  'src/codec': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/grammar/**', '**/wal/**', '**/manifest/**', '**/cloud/**', '**/workers/**'],
  'grammar': ['**/repl/**', '**/src/index.ts', '**/engine/**', '**/tiering/**', '**/partition/**', '**/wal/**', '**/manifest/**', '**/cloud/**', '**/workers/**', '**/codec/**'],
  'repl': ['**/src/api/**', '**/src/statements/**', '**/src/engine/**', '**/src/tiering/**', '**/src/partition/**', '**/src/wal/**', '**/src/manifest/**', '**/src/cloud/**', '**/src/workers/**', '**/src/codec/**'],
};

/** Packages only one layer may import (DESIGN.md: "Only cloud/s3 imports the AWS SDK..."). */
const ownedPackages = [
  { name: 'better-sqlite3', owner: 'src/manifest' },
  { name: 'zstd-napi', owner: 'src/codec' },
  { name: 'lz4-napi', owner: 'src/codec' },
  { name: '@aws-sdk/client-s3', owner: 'src/cloud/s3' },
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
  ...Object.entries(forbidden).map(([dir, patterns]) => ({
    files: [`${dir}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: patterns, message: `${dir} may import only lower layers (see docs/architecture.md)` },
            // subpaths too (`@aws-sdk/client-s3/dist-cjs/...`)
            ...ownedPackages
              .filter((p) => !dir.startsWith(p.owner))
              .map((p) => ({ group: [`${p.name}/**`], message: `only ${p.owner} imports ${p.name}` })),
          ],
          paths: ownedPackages
            .filter((p) => !dir.startsWith(p.owner))
            .map((p) => ({ name: p.name, message: `only ${p.owner} imports ${p.name}` })),
        },
      ],
    },
  })),
);
