/**
 * The `debug` log of a cloud: one line per HTTP request on stderr, written where the
 * SDK hands the signed request to the network, so it shows exactly what was sent:
 * method, path (bucket and key), range, status (or network error) and time.
 *
 * @module
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { statusOf } from './s3-body.ts';

interface RequestShape {
  readonly method?: string;
  readonly hostname?: string;
  readonly path?: string;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** The query of a request, without the SDK's `x-id` and the long continuation token. */
function queryOf(req: RequestShape): string {
  const q = Object.entries(req.query ?? {}).filter(([k, v]) => k !== 'x-id' && k !== 'continuation-token' && typeof v === 'string');
  return q.length === 0 ? '' : `?${q.map(([k, v]) => `${k}=${String(v)}`).join('&')}`;
}

/**
 * Logs each request of `client` to `write` (stderr by default), masked by `scrub`. The
 * line never holds a header but the range: the signature and keys stay out.
 */
export function addDebugLog(client: S3Client, name: string, scrub: (s: string) => string, write = (line: string) => void process.stderr.write(line)): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = (args.request ?? {}) as RequestShape;
      const range = req.headers?.range ?? req.headers?.Range;
      const what = `${req.method ?? '?'} ${req.hostname ?? ''}${req.path ?? ''}${queryOf(req)}${range === undefined ? '' : ` ${range}`}`;
      const t0 = performance.now();
      const line = (outcome: string) => write(scrub(`strata cloud '${name}': ${what} -> ${outcome} ${Math.round(performance.now() - t0)} ms\n`));
      try {
        const out = await next(args);
        line(String((out.response as { statusCode?: number }).statusCode ?? '?'));
        return out;
      } catch (e) {
        const err = e as { code?: unknown; name?: unknown };
        line(String(statusOf(e) ?? (typeof err.code === 'string' ? err.code : err.name)));
        throw e;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'strataDebugLog' },
  );
}
