/**
 * What `strata serve` is started with: where it listens, who may call it, and the
 * limits that keep one client from taking the server's memory (docs/server.md#limits).
 *
 * @module
 */
import { StrataError } from '../index.ts';

/** The limits of a server. Every one is a setting of `strata serve` (docs/server.md). */
export interface ServerLimits {
  /** Largest request body, in bytes (a larger one: 413). */
  readonly bodyBytes: number;
  /** Events in a page of `GET /v1/events` when `limit` is not given. */
  readonly pageEvents: number;
  /** Most events a page may hold (`limit` above it: 400). */
  readonly maxPageEvents: number;
  /** Most key and value bytes in a page (a page ends after the event that reaches it). */
  readonly pageBytes: number;
  /** Writes in flight or waiting at once; one more: 429. */
  readonly writeQueue: number;
  /** Reads (`GET /v1/events`) in flight at once from one client address; one more: 429. */
  readonly streamsPerClient: number;
  /** Milliseconds a request may take from its first byte to its answer (0: no limit). */
  readonly requestTimeoutMs: number;
}

/** The defaults of {@link ServerLimits}. */
export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 64 * 1024 * 1024,
  pageEvents: 1000,
  maxPageEvents: 100_000,
  pageBytes: 4 * 1024 * 1024,
  writeQueue: 64,
  streamsPerClient: 4,
  requestTimeoutMs: 60_000,
};

/** How a server listens and whom it lets in. */
export interface ServerOptions {
  readonly host: string;
  /** 0: a free port. */
  readonly port: number;
  /** The bearer token every request must carry (null: none, on a loopback host only). */
  readonly token: string | null;
  /** Certificate and key (PEM) to serve HTTPS, or null for HTTP. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null;
  readonly limits: ServerLimits;
}

/** True for an address only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Checks `options` before anything listens.
 * @throws StrataError `INVALID_INPUT` for a port outside 0..65535, a limit that is not a
 *   positive integer, or no token on a host that is not a loopback address.
 */
export function checkOptions(options: ServerOptions): void {
  if (!(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw new StrataError('INVALID_INPUT', `serve: the port is an integer in 0..65535, got ${options.port}`);
  }
  for (const [name, v] of Object.entries(options.limits)) {
    const min = name === 'requestTimeoutMs' ? 0 : 1;
    if (!(Number.isSafeInteger(v) && v >= min)) throw new StrataError('INVALID_INPUT', `serve: the limit ${name} is an integer >= ${min}, got ${String(v)}`);
  }
  if (options.limits.pageEvents > options.limits.maxPageEvents) {
    throw new StrataError('INVALID_INPUT', `serve: pageEvents (${options.limits.pageEvents}) is above maxPageEvents (${options.limits.maxPageEvents})`);
  }
  if (options.token === null && !isLoopback(options.host)) {
    throw new StrataError(
      'INVALID_INPUT',
      `serve: ${options.host} is reachable from other machines, and no token is set: give --token-file FILE (a bearer token every request must carry), or listen on 127.0.0.1`,
    );
  }
  if (options.token !== null && options.token.length < 16) {
    throw new StrataError('INVALID_INPUT', 'serve: the token is shorter than 16 characters; use a long random one (for example `openssl rand -hex 32`)');
  }
}
