/**
 * A fault injector for the cloud tests that is not a mock of the SDK: a tiny HTTP proxy
 * on 127.0.0.1 in front of a real S3 server. Requests pass through untouched (headers
 * too, so signatures stay valid) unless a fault is queued: answer with an error status,
 * hold the request past the client's time limit, hold it until the test releases it,
 * drop the connection, cut the answer short, or send it slowly. Each queued fault applies to the next
 * `count` requests (`Infinity`: until `clear()`) that match it (by method, and a part
 * of the URL).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to a request. */
export type Fault =
  /** Answer `status` with an S3 error body of `code`. */
  | { readonly kind: 'status'; readonly status: number; readonly code?: string }
  /** Wait `ms`, then pass the request through (if the client still waits). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Wait until `release()`, then pass the request through (if the client still waits). */
  | { readonly kind: 'hold' }
  /** Cut the connection without answering. */
  | { readonly kind: 'drop' }
  /** Pass the request through, but cut the connection after `bytes` bytes of the answer's body. */
  | { readonly kind: 'truncate'; readonly bytes: number }
  /** Pass the request through, but send the answer's body `bytes` at a time, one piece every `ms`. */
  | { readonly kind: 'trickle'; readonly bytes: number; readonly ms: number };

/** One request seen by the proxy and what became of it. */
export interface ProxyLogEntry {
  readonly method: string;
  readonly url: string;
  /** `pass`, or the fault applied: `500`, `delay`, `hold`, `drop`, `truncate`, `trickle`. */
  readonly outcome: string;
  /** When the request arrived (`performance.now()`). */
  readonly at: number;
  /** The request's headers (names in lower case). */
  readonly headers: http.IncomingHttpHeaders;
}

/** Which requests a fault applies to: all when a field is absent. */
export interface FaultMatch {
  /** `GET`, `PUT`, `HEAD`, `DELETE`, ... */
  readonly method?: string;
  /** A part of the request's URL (path and query), such as an object's key. */
  readonly url?: string;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:port`: point the cloud's url here. */
  readonly url: string;
  /** Every request seen, in order. */
  readonly log: readonly ProxyLogEntry[];
  /** Applies `fault` to the next `count` requests that `match` (after faults queued before it that match them). */
  inject(fault: Fault, count?: number, match?: FaultMatch): void;
  /** Forgets the queued faults: requests pass through again (held ones stay held until `release()`). */
  clear(): void;
  /** Requests held now by `hold` faults. */
  readonly held: number;
  /** Passes every held request through, and forgets the `hold` faults still queued. */
  release(): void;
  close(): Promise<void>;
}

const CODES: Readonly<Record<number, string>> = { 500: 'InternalError', 503: 'ServiceUnavailable', 403: 'AccessDenied', 404: 'NoSuchKey', 429: 'SlowDown' };

/** Starts a proxy to `upstream` (`http://host:port`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const queue: { fault: Fault; left: number; match: FaultMatch }[] = [];
  const log: ProxyLogEntry[] = [];
  const held: (() => void)[] = [];

  const next = (req: http.IncomingMessage): Fault | undefined => {
    const i = queue.findIndex((q) => (q.match.method === undefined || q.match.method === req.method) && (q.match.url === undefined || (req.url ?? '').includes(q.match.url)));
    const head = queue[i];
    if (head === undefined) return undefined;
    if (--head.left <= 0) queue.splice(i, 1);
    return head.fault;
  };

  const pass = (req: http.IncomingMessage, res: http.ServerResponse, cutAfter?: number, trickle?: { bytes: number; ms: number }) => {
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (trickle !== undefined) {
        // the whole body first, then out in pieces
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          let at = 0;
          const timer = setInterval(() => {
            if (res.destroyed) return clearInterval(timer);
            res.write(body.subarray(at, at + trickle.bytes));
            at += trickle.bytes;
            if (at >= body.byteLength) {
              clearInterval(timer);
              res.end();
            }
          }, trickle.ms);
        });
        return;
      }
      if (cutAfter === undefined) {
        upRes.pipe(res);
        return;
      }
      let left = cutAfter;
      if (left <= 0) {
        res.flushHeaders();
        setImmediate(() => res.socket?.destroy());
        return;
      }
      upRes.on('data', (chunk: Buffer) => {
        if (left <= 0) return;
        const piece = chunk.subarray(0, left);
        left -= piece.byteLength;
        // the head and the first bytes go out, then the connection is cut mid-body
        res.write(piece, () => {
          if (left <= 0) res.socket?.destroy();
        });
      });
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  };

  const server = http.createServer((req, res) => {
    const fault = next(req);
    const entry = (outcome: string) => log.push({ method: req.method ?? '?', url: req.url ?? '', outcome, at: performance.now(), headers: req.headers });
    if (fault === undefined) {
      entry('pass');
      pass(req, res);
    } else if (fault.kind === 'status') {
      entry(String(fault.status));
      // read the body first, or the client may see a reset instead of the answer
      req.resume();
      req.on('end', () => {
        const code = fault.code ?? CODES[fault.status] ?? 'InjectedFault';
        const body = req.method === 'HEAD' ? '' : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`;
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    } else if (fault.kind === 'delay') {
      entry('delay');
      req.pause();
      const timer = setTimeout(() => {
        if (!res.destroyed) pass(req, res);
      }, fault.ms);
      res.on('close', () => clearTimeout(timer));
    } else if (fault.kind === 'hold') {
      entry('hold');
      req.pause();
      held.push(() => {
        if (!res.destroyed) pass(req, res);
      });
    } else if (fault.kind === 'truncate') {
      entry('truncate');
      pass(req, res, fault.bytes);
    } else if (fault.kind === 'trickle') {
      entry('trickle');
      pass(req, res, undefined, fault);
    } else {
      entry('drop');
      req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    inject(fault, count = 1, match = {}) {
      queue.push({ fault, left: count, match });
    },
    get held() {
      return held.length;
    },
    release() {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.fault.kind === 'hold') queue.splice(i, 1);
      for (const go of held.splice(0)) go();
    },
    clear() {
      queue.length = 0;
    },
    async close() {
      held.length = 0;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
