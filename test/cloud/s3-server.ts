/**
 * A real S3-compatible server (s3rver) for tests, in a child process of its own: on
 * 127.0.0.1, on a free port, with its data in a temporary directory. It accepts the
 * credentials {@link S3_CREDENTIALS}. `stop` kills the process (a crash: open
 * connections are cut, new ones refused) and `restart` starts it again on the same port
 * with the same data; `close` stops it for good and removes the directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The only key pair s3rver accepts (it checks the access key, not SigV4 signatures). */
export const S3_CREDENTIALS = { access_key: 'S3RVER', secret_key: 'S3RVER' } as const;

const MAIN = fileURLToPath(new URL('./s3rver-main.mjs', import.meta.url));

/** A running (or stopped) s3rver. */
export interface S3Server {
  /** `http://127.0.0.1:port`: the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** Where the objects are. */
  readonly directory: string;
  /** Kills the server process. Data is kept. */
  stop(): Promise<void>;
  /** Serves again on the same port with the same data (a no-op when running). */
  restart(): Promise<void>;
  /**
   * Writes objects straight into the server's store with s3rver's own store code, for
   * tests that need many objects fast (a put through HTTP costs a few ms). The bucket
   * must exist. Reads through the server see them at once.
   */
  seed(bucket: string, objects: Iterable<readonly [key: string, body: Uint8Array]>): Promise<void>;
  /**
   * The multipart uploads of `bucket` begun and neither completed nor aborted: their
   * ids, read from s3rver's store (it does not implement ListMultipartUploads).
   */
  uploads(bucket: string): string[];
  /** Stops and removes the data directory. */
  close(): Promise<void>;
}

/** The part of s3rver's (untyped) filesystem store that {@link S3Server.seed} uses. */
interface S3rverStore {
  putObject(object: unknown): Promise<unknown>;
}
type S3rverStoreClass = new (directory: string) => S3rverStore;
type S3rverObjectClass = new (bucket: string, key: string, content: Buffer, metadata: Record<string, string>) => unknown;

/** Starts an s3rver; `close()` it when done (it also ends with the test process). */
export async function startS3Server(): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-s3-'));
  const removeDir = () => fs.rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDir);

  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    const c = child;
    if (c === undefined) return;
    child = undefined;
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    }
  };

  const port = await spawnServer(directory, 0).then(({ process: c, port: p }) => ((child = c), p));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    directory,
    stop,
    async restart() {
      if (child === undefined) child = (await spawnServer(directory, port)).process;
    },
    async seed(bucket, objects) {
      const require = createRequire(import.meta.url);
      const Store = require('s3rver/lib/stores/filesystem.js') as S3rverStoreClass;
      const S3Object = require('s3rver/lib/models/object.js') as S3rverObjectClass;
      const store = new Store(directory);
      const todo = [...objects];
      const lane = async () => {
        for (let o = todo.pop(); o !== undefined; o = todo.pop()) await store.putObject(new S3Object(bucket, o[0], Buffer.from(o[1]), {}));
      };
      await Promise.all(Array.from({ length: 16 }, lane));
    },
    uploads(bucket) {
      const dir = path.join(directory, bucket, '._S3rver_uploads');
      return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    },
    async close() {
      await stop();
      removeDir();
      process.removeListener('exit', removeDir);
    },
  };
}

/** Starts the server process; resolves once it listens. */
function spawnServer(directory: string, port: number): Promise<{ process: ChildProcess; port: number }> {
  const c = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, directory, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve({ process: c, port: (JSON.parse(line) as { port: number }).port });
    });
    c.once('exit', (code, signal) => reject(new Error(`s3rver exited (${code ?? signal}) before listening: ${err.trim()}`)));
    c.once('error', reject);
  });
}
