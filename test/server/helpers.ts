/** Shared by the server tests: a database served on 127.0.0.1 (a free port) with a client. */
import { BatchBuilder, Strata, StrataClient, type OpenConfig } from '../../src/index.ts';
import { DEFAULT_LIMITS, type ServerLimits, type StrataServer, startServer } from '../../src/server/index.ts';
import { tempDir } from '../engine/helpers.ts';

/** A served database. */
export interface Served {
  readonly dir: string;
  db: Strata;
  server: StrataServer;
  client: StrataClient;
  /** Stops the server and closes the database (the directory stays). */
  stop(): Promise<void>;
  /** Stops, reopens the database and serves it again on a new port. */
  restart(): Promise<void>;
  /** Stops and removes the directory. */
  close(): Promise<void>;
}

/** Serves a new database (or `dir`) with `config`, `limits` and `token`. */
export async function serve(options: { config?: OpenConfig; limits?: Partial<ServerLimits>; token?: string; dir?: string } = {}): Promise<Served> {
  const t = options.dir === undefined ? tempDir('strata-server-') : { dir: options.dir, cleanup: () => undefined };
  const token = options.token ?? null;
  const start = async (): Promise<{ db: Strata; server: StrataServer; client: StrataClient }> => {
    const db = await Strata.open(t.dir, { workers: 0, ...options.config });
    const server = await startServer(db, { host: '127.0.0.1', port: 0, token, tls: null, limits: { ...DEFAULT_LIMITS, ...options.limits } });
    return { db, server, client: new StrataClient(server.url, token === null ? {} : { token }) };
  };
  const s: Served = {
    dir: t.dir,
    ...(await start()),
    async stop() {
      await s.server.close();
      await s.db.close();
    },
    async restart() {
      await s.stop();
      Object.assign(s, await start());
    },
    async close() {
      await s.stop();
      t.cleanup();
    },
  };
  return s;
}

/** A binary batch of events `from .. from + n - 1`, with keys `k<i % keys>` when `keys` > 0. */
export function batch(from: number, n: number, keys = 0, value = 20): Uint8Array {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.insert(BigInt(from + i), keys > 0 ? `k${i % keys}` : '', `v${from + i}`.padEnd(value, '.'));
  return b.finish().slice();
}
