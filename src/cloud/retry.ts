/**
 * Bounded exponential backoff with jitter, and a per-try time limit. Knows nothing of
 * S3: the caller says which failures are worth another try.
 *
 * @module
 */
import type { RetryOptions } from './cloud.ts';

/** {@link RetryOptions} with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 50, maxMs: 2000, timeoutMs: 10_000 };

/** Fills in defaults; rejects nonsense (zero attempts, negative times) by throwing a RangeError. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY, ...stripUndefined(options) };
  if (!Number.isInteger(p.attempts) || p.attempts < 1) throw new RangeError(`attempts must be a positive integer, not ${p.attempts}`);
  for (const k of ['baseMs', 'maxMs', 'timeoutMs'] as const) {
    if (!Number.isFinite(p[k]) || p[k] < 0) throw new RangeError(`${k} must be a non-negative number, not ${p[k]}`);
  }
  if (p.timeoutMs === 0) throw new RangeError('timeoutMs must be positive');
  return p;
}

function stripUndefined(o: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as RetryOptions;
}

/**
 * The pause before try `attempt + 1` after try `attempt` (1-based) failed: half of
 * `min(maxMs, baseMs * 2^(attempt-1))` plus a random part of the other half ("equal
 * jitter"), so clients spread out but never retry at once.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** What a failed try says about trying again. */
export interface TryFailure {
  readonly error: unknown;
  readonly retryable: boolean;
}

/** The outcome of {@link withRetry} when every try failed or one failed for good. */
export class RetryExhausted extends Error {
  constructor(
    /** The last try's error. */
    readonly last: unknown,
    /** Tries made. */
    readonly attempts: number,
    /** Whether the last failure was retryable (false: a try failed for good). */
    readonly retryable: boolean,
  ) {
    super('retry exhausted', { cause: last });
  }
}

/**
 * Runs `attempt` until it resolves, at most `policy.attempts` times. Each try gets an
 * AbortSignal that fires after `policy.timeoutMs`, and the try is abandoned then even
 * if it ignores the signal; a try that calls its `progress` (a streamed transfer, as
 * bytes arrive) restarts that time, so only a try that stalls is abandoned. `classify`
 * decides whether a failure deserves another try. Rejects with {@link RetryExhausted}.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (signal: AbortSignal, n: number, progress: () => void) => Promise<T>,
  classify: (error: unknown) => boolean,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await withTimeout(policy.timeoutMs, (signal, progress) => attempt(signal, n, progress));
    } catch (error) {
      const retryable = classify(error);
      if (!retryable || n >= policy.attempts) throw new RetryExhausted(error, n, retryable);
      await sleep(backoffMs(policy, n));
    }
  }
}

/** The error a try is abandoned with when it outlives its time limit. */
export class TryTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

async function withTimeout<T>(ms: number, run: (signal: AbortSignal, progress: () => void) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let last = performance.now();
  const expired = new Promise<never>((_, reject) => {
    const check = () => {
      // progress since the timer was set: wait for the rest of the time from then
      const idle = performance.now() - last;
      if (idle < ms) {
        timer = setTimeout(check, ms - idle);
        return;
      }
      const e = new TryTimeout(ms);
      controller.abort(e);
      reject(e);
    };
    timer = setTimeout(check, ms);
  });
  const work = run(controller.signal, () => {
    last = performance.now();
  });
  // a try abandoned at the deadline may still reject later: nobody listens then
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
