/**
 * Where the console finds its package's files at run time (package.json, the statement
 * reference in docs/sql/): one level up from the sources (`repl/*.ts`), two from the
 * build (`dist/repl/*.js`), which is what the installed package runs.
 *
 * @module
 */

/** The package's root folder, as a `file:` URL ending in `/`. */
export const PACKAGE_ROOT = new URL(import.meta.url.endsWith('.ts') ? '../' : '../../', import.meta.url);
