// Entry of a pool worker thread, in plain JavaScript so that it runs under any
// loader (node, tsx, vitest): when the worker's main module is TypeScript source,
// it registers tsx in this thread first, then imports it.
import { workerData } from 'node:worker_threads';

const main = workerData.main;
if (main.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(main);
