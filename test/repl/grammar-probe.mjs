// Loaded with `--import` (NODE_OPTIONS) by the console tests: writes `[grammar loaded]`
// to standard error, synchronously, when the build's grammar (dist/grammar/index.js) is
// first resolved, so that a test sees where in the console's output the load happened.
import { register } from 'node:module';

const hooks = `
import { writeSync } from 'node:fs';
let seen = false;
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (!seen && resolved.url.endsWith('/dist/grammar/index.js')) {
    seen = true;
    writeSync(2, '[grammar loaded]\\n');
  }
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
