/**
 * The HTTP server of `strata serve` (docs/server.md): fastify routes over one open
 * database, its limits and metrics. The one layer that imports fastify and
 * prom-client; the package's `StrataClient` (src/client) is its client.
 *
 * @module
 */
export { ARROW_STREAM_TYPE, BATCH_TYPE, BODY_LIMIT_HEADER, NEXT_HEADER, type StrataServer, startServer } from './app.ts';
export { DEFAULT_LIMITS, type ServerLimits, type ServerOptions, isLoopback } from './options.ts';
