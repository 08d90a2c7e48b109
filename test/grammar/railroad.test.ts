/**
 * The committed railroad diagrams are those of the grammar as it is.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { RAILROAD_PATH, railroadHtml } from '../../grammar/railroad.ts';

test('docs/sql/railroad.html is up to date', () => {
  const committed = readFileSync(RAILROAD_PATH, 'utf8');
  expect(committed === railroadHtml(), 'docs/sql/railroad.html is stale: run `npm run docs:railroad`').toBe(true);
});

test('the diagrams show every statement rule', () => {
  const html = railroadHtml();
  for (const rule of ['script', 'statement', 'movePartition', 'alterPipeline', 'limit', 'showSettings']) {
    expect(html).toContain(`"name": "${rule}"`);
  }
});
