/**
 * `strata serve DIR`: opens the database and serves it over HTTP (src/server,
 * docs/server.md) until SIGTERM or SIGINT, then stops accepting, lets the requests in
 * flight finish, and closes the database. Exit status: 0 after a clean stop, 1 when
 * the database or the address could not be opened.
 *
 * @module
 */
import * as fs from 'node:fs';
import { Strata, StrataError } from '../src/index.ts';
import { DEFAULT_LIMITS, startServer } from '../src/server/index.ts';
import type { ServeArgs } from './args.ts';
import { palette, wantsColour } from './colour.ts';
import { errorLine } from './render.ts';

function readFile(what: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new StrataError('IO', `serve: cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** The token of a token file: its first line, trimmed. */
function tokenOf(file: string): string {
  const token = readFile('token file', file).toString('utf8').split(/\r?\n/)[0]!.trim();
  if (token === '') throw new StrataError('INVALID_INPUT', `serve: the token file ${file} is empty; put a long random token on its first line`);
  return token;
}

/** Runs the server; resolves with the exit status once it has stopped. */
export async function runServe(args: ServeArgs): Promise<number> {
  const { stderr } = process;
  const colour = palette(wantsColour(stderr, process.env, null));
  let db: Strata | null = null;
  try {
    const token = args.tokenFile === null ? null : tokenOf(args.tokenFile);
    const tls = args.tlsCert === null ? null : { cert: readFile('certificate', args.tlsCert), key: readFile('key', args.tlsKey!) };
    db = await Strata.open(args.dir);
    const server = await startServer(db, { host: args.host, port: args.port, token, tls, limits: { ...DEFAULT_LIMITS, ...args.limits } });
    stderr.write(`strata serve: ${args.dir} on ${server.url}${token === null ? '' : ' (bearer token required)'}; SIGTERM or Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve).once('SIGINT', resolve);
    });
    stderr.write('strata serve: stopping: no new request; finishing those in flight\n');
    await server.close();
    await db.close();
    db = null;
    stderr.write('strata serve: stopped, database closed\n');
    return 0;
  } catch (e) {
    stderr.write(`${errorLine(e, colour)}\n`);
    await db?.close().catch(() => undefined);
    return 1;
  }
}
