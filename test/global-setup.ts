/**
 * Vitest's global setup: brings the build (dist/, `npm run build`) up to date before
 * any test runs. Tests import the sources in their own process; the child processes
 * they start (the `strata` command of the console tests, the crash and lock tests'
 * children) run the build, as an installed package does, and start in a fraction of
 * the time tsx takes. The build is incremental: with nothing changed it takes a few
 * seconds.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
