/**
 * The workers layer: a generic worker_threads pool.
 *
 * @module
 */
export { WorkerPool, type WorkerPoolOptions } from './pool.ts';
