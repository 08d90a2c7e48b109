/**
 * The HTTP server of `strata serve` (fastify): the routes of docs/server.md over one
 * open database, with its limits, bearer-token check, metrics and error answers.
 *
 * Why fastify: body limits per content type, parsers that hand over raw bytes,
 * hooks around every request (auth, metrics), and a `close()` that stops accepting and
 * waits for the requests in flight, which a graceful shutdown needs.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Strata, StrataError, type WriteResult, eventJson, toJson } from '../index.ts';
import { eventsToIpc } from '../arrow/index.ts';
import { describe, statusOf } from './http-errors.ts';
import { ServerMetrics } from './metrics.ts';
import { checkOptions, type ServerOptions } from './options.ts';
import { type Page, readPage } from './pages.ts';
import { runSql } from './sql.ts';
import { parseIdOrTime } from './time-ids.ts';
import { decodeToken, encodeToken } from './tokens.ts';
import { registerConsole } from './web-console.ts';

/** The content type of a binary batch. */
export const BATCH_TYPE = 'application/octet-stream';
/** The content type of an Arrow IPC stream. */
export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';
/** The header that carries the next page's token. */
export const NEXT_HEADER = 'strata-next';
/** The header a 413 answer states the body limit in. */
export const BODY_LIMIT_HEADER = 'strata-body-limit';

const MAX_U64 = (1n << 64n) - 1n;

/** A running server. */
export interface StrataServer {
  /** `http://host:port` (or https). */
  readonly url: string;
  /** The fastify instance (for tests: `inject`). */
  readonly app: FastifyInstance;
  readonly metrics: ServerMetrics;
  /** Stops accepting, finishes the requests in flight, then stops observing the database (which stays open). */
  close(): Promise<void>;
}

/** An id as JSON: a number up to 2^53-1, else a string of digits (as in `eventJson`). */
function idJson(id: bigint): number | string {
  return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : String(id);
}

function sha(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).type('application/json').send({ error: { code, message, ...extra } });
}

/** Whether a GET needs no token: the health check and the console's static page. */
function isOpen(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = req.url.split('?')[0]!;
  return url === '/healthz' || url === '/' || url.startsWith('/console/');
}

/** A query parameter given once, or undefined. @throws StrataError `INVALID_INPUT` when repeated. */
function param(query: unknown, name: string): string | undefined {
  const v = (query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new StrataError('INVALID_INPUT', `events: ${name} is given more than once`);
  return v;
}

/** Text a page is sent in, at a time: the stream waits for the client between chunks. */
const CHUNK = 64 * 1024;

/**
 * The text of a page, `open`, the events' JSON objects joined by `sep` (each followed
 * by `after`), then `close`, in chunks of about {@link CHUNK} characters.
 */
function* pageText(page: Page, open: string, sep: string, after: string, close: string): Generator<string> {
  let chunk = open;
  for (let i = 0; i < page.ids.length; i++) {
    chunk += (i > 0 ? sep : '') + eventJson(page.ids[i]!, page.keys[i]!, page.values[i]!) + after;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  chunk += close;
  if (chunk.length > 0) yield chunk;
}

/**
 * Starts a server on `db` (which stays the caller's: close it after the server).
 * @throws StrataError `INVALID_INPUT` for bad options (see `checkOptions`), `IO` when
 *   the address cannot be listened on.
 */
export async function startServer(db: Strata, options: ServerOptions): Promise<StrataServer> {
  checkOptions(options);
  const { limits } = options;
  const common = {
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    return503OnClosing: true,
    logger: false,
  };
  const app = (options.tls === null ? Fastify(common) : Fastify({ ...common, https: { cert: options.tls.cert, key: options.tls.key } })) as unknown as FastifyInstance;
  const metrics = new ServerMetrics(db);
  const token = options.token === null ? null : sha(`Bearer ${options.token}`);

  for (const type of [BATCH_TYPE, ARROW_STREAM_TYPE]) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  app.addContentTypeParser('application/sql', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    (req as { startedAt?: number }).startedAt = performance.now();
    if (token === null || isOpen(req)) return;
    const given = req.headers.authorization;
    if (typeof given === 'string' && timingSafeEqual(sha(given), token)) return;
    metrics.reject('unauthorized');
    reply.header('www-authenticate', 'Bearer realm="strata"');
    return send(reply, 401, 'UNAUTHORIZED', `${req.method} ${req.url.split('?')[0]}: this server wants a bearer token (the header Authorization: Bearer TOKEN, the token of its --token-file)`);
  });
  // once closing, every answer ends its connection: a keep-alive connection that was
  // busy when close() began would otherwise stay open (idle) and hold the close up
  let closing = false;
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const started = (req as { startedAt?: number }).startedAt ?? performance.now();
    metrics.answered(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, (performance.now() - started) / 1000);
  });

  app.setErrorHandler((err: FastifyError | StrataError, _req, reply) => {
    if (err instanceof StrataError) {
      const status = statusOf(err.code);
      if (err.code === 'OVERLOADED') {
        metrics.reject('overloaded');
        reply.header('retry-after', '1');
      }
      return send(reply, status, err.code, err.message);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      metrics.reject('body_too_large');
      reply.header(BODY_LIMIT_HEADER, String(limits.bodyBytes));
      return send(reply, 413, 'TOO_LARGE', `the body is over the server's limit of ${limits.bodyBytes} bytes (header ${BODY_LIMIT_HEADER}); send smaller batches`);
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, err.statusCode, 'INVALID_INPUT', err.message);
    }
    const d = describe(err);
    return send(reply, 500, d.code, d.message);
  });

  let writes = 0;
  app.post('/v1/write', async (req, reply) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== BATCH_TYPE && type !== ARROW_STREAM_TYPE) {
      return send(reply, 415, 'INVALID_INPUT', `write: the body is a binary batch (${BATCH_TYPE}) or an Arrow IPC stream (${ARROW_STREAM_TYPE}), got '${type}'`);
    }
    if (writes >= limits.writeQueue) {
      metrics.reject('write_queue_full');
      reply.header('retry-after', '1');
      return send(reply, 429, 'OVERLOADED', `write: ${writes} writes are in flight, the most this server queues (writeQueue); retry after a moment`);
    }
    writes++;
    try {
      const body = req.body as Buffer;
      const r: WriteResult = type === BATCH_TYPE ? await db.write(body) : ((await db.writeArrow(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))) as WriteResult);
      const serial = r.serial === undefined ? null : { first: idJson(r.serial.first), last: idJson(r.serial.first + BigInt(r.serial.count) - 1n) };
      return { events: r.events, serial };
    } finally {
      writes--;
    }
  });

  const streams = new Map<string, number>();
  app.get('/v1/events', async (req, reply) => {
    const q = req.query;
    const format = param(q, 'format') ?? 'json';
    if (format !== 'json' && format !== 'ndjson' && format !== 'arrow') throw new StrataError('INVALID_INPUT', `events: format is json, ndjson or arrow, got '${format}'`);
    const limitText = param(q, 'limit');
    const limit = limitText === undefined ? limits.pageEvents : Number(limitText);
    if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= limits.maxPageEvents)) {
      throw new StrataError('INVALID_INPUT', `events: limit is an integer in 1..${limits.maxPageEvents}, got '${limitText}'`);
    }
    const fromText = param(q, 'from');
    const toText = param(q, 'to');
    const keyText = param(q, 'key');
    const afterText = param(q, 'after');
    let from = fromText === undefined ? 0n : parseIdOrTime('from', fromText);
    let to = toText === undefined ? MAX_U64 : parseIdOrTime('to', toText);
    const after = afterText === undefined ? null : decodeToken(afterText);
    if (after !== null) {
      if ((fromText !== undefined && from !== after.from) || (toText !== undefined && to !== after.to)) {
        throw new StrataError('INVALID_INPUT', 'events: from and to differ from the range of the token (after); give the token alone, or the same range');
      }
      from = after.from;
      to = after.to;
    }
    const ip = req.ip;
    const open = streams.get(ip) ?? 0;
    if (open >= limits.streamsPerClient) {
      metrics.reject('too_many_streams');
      reply.header('retry-after', '1');
      return send(reply, 429, 'OVERLOADED', `events: ${open} reads from ${ip} are in flight, the most one client may have (streamsPerClient); finish one first`);
    }
    streams.set(ip, open + 1);
    reply.raw.once('close', () => {
      const n = (streams.get(ip) ?? 1) - 1;
      if (n <= 0) streams.delete(ip);
      else streams.set(ip, n);
    });
    const key = keyText === undefined || after !== null ? null : new TextEncoder().encode(keyText);
    const page = await readPage(db, { from, to, key, after, limit, bytes: limits.pageBytes });
    const next = page.next === null ? null : encodeToken(page.next);
    if (next !== null) reply.header(NEXT_HEADER, next);
    if (format === 'arrow') return reply.type(ARROW_STREAM_TYPE).send(Buffer.from(eventsToIpc(page.ids, page.keys, page.values)));
    if (format === 'ndjson') return reply.type('application/x-ndjson').send(Readable.from(pageText(page, '', '', '\n', '')));
    const end = `],"next":${next === null ? 'null' : JSON.stringify(next)}}`;
    return reply.type('application/json').send(Readable.from(pageText(page, '{"events":[', ',', '', end)));
  });

  app.post('/v1/sql', async (req, reply) => {
    const text = typeof req.body === 'string' ? req.body : '';
    if (text.trim() === '') throw new StrataError('INVALID_INPUT', 'sql: the body is empty; send statements as text/plain or application/sql');
    const { results, error } = await runSql(db, text);
    const body = `{"results":[${results.map((r) => `{"statement":${JSON.stringify(r.statement)},"result":${toJson(r.result)}}`).join(',')}]`;
    if (error === null) return reply.type('application/json').send(`${body}}`);
    if (error.code === 'OVERLOADED') {
      metrics.reject('overloaded');
      reply.header('retry-after', '1');
    }
    return reply.code(statusOf(error.code)).type('application/json').send(`${body},"error":${JSON.stringify(error)}}`);
  });

  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  app.get('/healthz', async () => ({ status: 'ok' }));
  registerConsole(app);

  let url: string;
  try {
    url = await app.listen({ host: options.host, port: options.port });
  } catch (e) {
    metrics.close();
    throw new StrataError('IO', `serve: cannot listen on ${options.host}:${options.port}: ${(e as Error).message}`, { cause: e });
  }
  return {
    url: url.replace('0.0.0.0', '127.0.0.1'),
    app,
    metrics,
    async close() {
      closing = true;
      // the connections busy when the close began and idle since (an answer whose
      // headers were out already) are closed as they go idle
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
      metrics.close();
    },
  };
}
