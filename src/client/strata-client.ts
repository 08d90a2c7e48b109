/**
 * A small client of `strata serve` (docs/server.md#strataclient), on the platform's
 * `fetch`: writes binary batches and Arrow IPC streams, pages through ranges with the
 * continuation tokens, and runs statements. Ids are `bigint`s, keys and values bytes,
 * u64 values of statement results exact.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { BatchBuilder } from '../codec/batch-builder.ts';
import type { IdLike } from '../codec/id.ts';
import { type ErrorCode, StrataError } from '../errors.ts';
import { parseExactJson } from './exact-json.ts';

/** How a client reaches its server. */
export interface StrataClientOptions {
  /** The server's bearer token (its `--token-file`), when it wants one. */
  readonly token?: string;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** What a write did: its events, and the serial ids it was given (null: none). */
export interface ClientWriteResult {
  readonly events: number;
  readonly serial: { readonly first: bigint; readonly last: bigint } | null;
}

/** One event read from a server. */
export interface ClientEvent {
  readonly id: bigint;
  /** The key (empty when the event has none). */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Which events to read: ids (or RFC 3339 times, as microseconds) `from` .. `to`. */
export interface ClientRangeOptions {
  readonly from?: IdLike | string;
  readonly to?: IdLike | string;
  /** With `from`, the first key. */
  readonly key?: string;
  /** Events per page (1..the server's maximum; default the server's, 1000). */
  readonly limit?: number;
}

/** One page of events and the token of the next (null: the range is read). */
export interface EventPage {
  readonly events: ClientEvent[];
  readonly next: string | null;
}

const CODES = new Set<string>(['SYNTAX', 'INVALID_INPUT', 'NOT_FOUND', 'ALREADY_EXISTS', 'CORRUPTION', 'IO', 'CLOUD', 'OVERLOADED', 'CLOSED', 'LOCKED', 'NOT_SUPPORTED', 'UNAUTHORIZED', 'TOO_LARGE', 'CANCELLED', 'INTERNAL']);

/** A client of one server. */
export class StrataClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof fetch;

  /** @param url the server, such as `http://127.0.0.1:8765` */
  constructor(url: string, options: StrataClientOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    this.headers = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Writes a binary batch (or a BatchBuilder's) atomically; resolves after the
   * server's WAL acknowledgement.
   * @throws StrataError with the server's code: `INVALID_INPUT` (nothing written),
   *   `OVERLOADED` (retryable: retry after a moment), `TOO_LARGE`, `UNAUTHORIZED`, ...
   */
  write(batch: Uint8Array | BatchBuilder): Promise<ClientWriteResult> {
    const bytes = batch instanceof BatchBuilder ? batch.finish() : batch;
    return this.writeBody(bytes, 'application/octet-stream');
  }

  /** Writes an Arrow IPC stream (bytes) atomically, as `write` does a batch. */
  writeArrow(ipc: Uint8Array): Promise<ClientWriteResult> {
    return this.writeBody(ipc, 'application/vnd.apache.arrow.stream');
  }

  private async writeBody(body: Uint8Array, type: string): Promise<ClientWriteResult> {
    const r = (await this.call('POST', '/v1/write', body, type)) as { events: number; serial: { first: number | string; last: number | string } | null };
    return { events: r.events, serial: r.serial === null ? null : { first: BigInt(r.serial.first), last: BigInt(r.serial.last) } };
  }

  /** One page of `[from, to]`, or the page after `after` (a token of an earlier page). */
  async page(options: ClientRangeOptions & { readonly after?: string } = {}): Promise<EventPage> {
    const q = new URLSearchParams({ format: 'json' });
    for (const name of ['from', 'to', 'key', 'limit', 'after'] as const) {
      const v = options[name];
      if (v !== undefined) q.set(name, String(v));
    }
    const r = (await this.call('GET', `/v1/events?${q}`)) as { events: Record<string, unknown>[]; next: string | null };
    return { events: r.events.map(toEvent), next: r.next };
  }

  /** Every event of `[from, to]`, page after page, in `(id, key)` order. */
  async *events(options: ClientRangeOptions = {}): AsyncGenerator<ClientEvent> {
    let page = await this.page(options);
    for (;;) {
      yield* page.events;
      if (page.next === null) return;
      page = await this.page({ after: page.next, ...(options.limit === undefined ? {} : { limit: options.limit }) });
    }
  }

  /**
   * Runs statements; resolves with each statement and its result (u64 values exact).
   * @throws StrataError with the code, message and position of the first failure (the
   *   statements before it ran).
   */
  async sql(text: string): Promise<{ statement: string; result: unknown }[]> {
    const r = (await this.call('POST', '/v1/sql', text, 'application/sql')) as { results: { statement: string; result: unknown }[] };
    return r.results;
  }

  private async call(method: string, path: string, body?: Uint8Array | string, type?: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        headers: { ...this.headers, ...(type === undefined ? {} : { 'content-type': type }) },
        ...(body === undefined ? {} : { body }),
      });
    } catch (e) {
      throw new StrataError('IO', `client: ${method} ${path}: the server cannot be reached (${(e as Error).message})`, { cause: e, retryable: true });
    }
    const text = await res.text();
    if (res.ok) return parseExactJson(text);
    let code: ErrorCode = 'INTERNAL';
    let message = `client: ${method} ${path}: HTTP ${res.status}`;
    try {
      const e = (parseExactJson(text) as { error?: { code?: string; message?: string } }).error;
      if (e?.code !== undefined && CODES.has(e.code)) code = e.code as ErrorCode;
      if (e?.message !== undefined) message = e.message;
    } catch {
      // not JSON: the status says it
    }
    throw new StrataError(code, message, { retryable: res.status === 429 || res.status === 503 });
  }
}

const enc = new TextEncoder();

function bytesOf(o: Record<string, unknown>, name: string): Uint8Array {
  const text = o[name];
  if (typeof text === 'string') return enc.encode(text);
  const b64 = o[`${name}_base64`];
  if (typeof b64 === 'string') return new Uint8Array(Buffer.from(b64, 'base64'));
  return new Uint8Array(0);
}

function toEvent(o: Record<string, unknown>): ClientEvent {
  return { id: BigInt(o.id as number | string | bigint), key: bytesOf(o, 'key'), value: bytesOf(o, 'value') };
}
