/**
 * Railroad (syntax) diagrams of the grammar. `railroadHtml()` renders them from the
 * parser's own productions; run as a script (`npm run docs:railroad`) it writes
 * `docs/sql/railroad.html`, which a test keeps equal to `railroadHtml()`.
 *
 * @module
 */
import { createSyntaxDiagramsCode } from 'chevrotain';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parser } from './parser.ts';

/** Where the diagrams are committed. */
export const RAILROAD_PATH = fileURLToPath(new URL('../docs/sql/railroad.html', import.meta.url));

/** The HTML page of the railroad diagrams of every grammar rule (loads its scripts from unpkg). */
export function railroadHtml(): string {
  return createSyntaxDiagramsCode(parser.getSerializedGastProductions());
}

// run as a script: write the page
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(dirname(RAILROAD_PATH), { recursive: true });
  writeFileSync(RAILROAD_PATH, railroadHtml());
  console.log(`railroad: wrote ${RAILROAD_PATH}`);
}
