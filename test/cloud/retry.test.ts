// The retry policy on its own: backoff bounds, option checks, the per-try time limit.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, RetryExhausted, backoffMs, retryPolicy, withRetry } from '../../src/cloud/retry.ts';

describe('retryPolicy', () => {
  it('fills in the defaults', () => {
    expect(retryPolicy()).toEqual({ attempts: 5, baseMs: 50, maxMs: 2000, timeoutMs: 10_000 });
    expect(retryPolicy({ attempts: 2, timeoutMs: undefined })).toEqual({ ...DEFAULT_RETRY, attempts: 2 });
  });

  it('refuses nonsense', () => {
    expect(() => retryPolicy({ attempts: 0 })).toThrow(RangeError);
    expect(() => retryPolicy({ attempts: 1.5 })).toThrow(RangeError);
    expect(() => retryPolicy({ baseMs: -1 })).toThrow(RangeError);
    expect(() => retryPolicy({ maxMs: Number.NaN })).toThrow(RangeError);
    expect(() => retryPolicy({ timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('backoffMs', () => {
  const p = retryPolicy({ baseMs: 50, maxMs: 2000 });

  it('doubles per try, between half and all of the ceiling, capped by maxMs', () => {
    for (const [attempt, ceiling] of [
      [1, 50],
      [2, 100],
      [3, 200],
      [6, 1600],
      [7, 2000],
      [30, 2000],
    ] as const) {
      expect(backoffMs(p, attempt, () => 0)).toBe(ceiling / 2);
      expect(backoffMs(p, attempt, () => 1)).toBe(ceiling);
      const b = backoffMs(p, attempt);
      expect(b).toBeGreaterThanOrEqual(ceiling / 2);
      expect(b).toBeLessThanOrEqual(ceiling);
    }
  });
});

describe('withRetry', () => {
  const fast = retryPolicy({ attempts: 4, baseMs: 1, maxMs: 2, timeoutMs: 1000 });

  it('stops at the first success', async () => {
    let tries = 0;
    const v = await withRetry(fast, async () => (++tries < 3 ? Promise.reject(new Error('flaky')) : 'done'), () => true);
    expect([v, tries]).toEqual(['done', 3]);
  });

  it('stops at the first failure classified final, and after `attempts` otherwise', async () => {
    let tries = 0;
    const final = await withRetry(fast, () => Promise.reject(new Error(`no ${++tries}`)), () => false).catch((e: unknown) => e);
    expect(final).toBeInstanceOf(RetryExhausted);
    expect(final).toMatchObject({ attempts: 1, retryable: false });
    tries = 0;
    const spent = await withRetry(fast, () => Promise.reject(new Error(`no ${++tries}`)), () => true).catch((e: unknown) => e);
    expect(spent).toMatchObject({ attempts: 4, retryable: true });
    expect(((spent as RetryExhausted).last as Error).message).toBe('no 4');
  });

  it('abandons a try that outlives timeoutMs, even one that ignores its signal', async () => {
    const p = retryPolicy({ attempts: 2, baseMs: 1, maxMs: 1, timeoutMs: 50 });
    const signals: AbortSignal[] = [];
    const t0 = performance.now();
    const e = await withRetry(
      p,
      (signal) => {
        signals.push(signal);
        return new Promise(() => undefined);
      },
      () => true,
    ).catch((x: unknown) => x);
    expect(e).toMatchObject({ attempts: 2 });
    expect(((e as RetryExhausted).last as Error).message).toBe('no answer within 50 ms');
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    // both tries were abandoned at their limit, not left to hang (no upper bound on the
    // time: a slow machine is no failure)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * 50 - 5);
  });

  it('a try that reports progress outlives timeoutMs; once it stops reporting it is abandoned', async () => {
    const p = retryPolicy({ attempts: 1, baseMs: 1, maxMs: 1, timeoutMs: 100 });
    // progress every 20 ms for 300 ms: three times the limit in all, never 100 ms without
    const ticks = (progress: () => void, until: number) =>
      new Promise<string>((resolve) => {
        const t0 = performance.now();
        const timer = setInterval(() => {
          if (performance.now() - t0 >= until) {
            clearInterval(timer);
            resolve('done');
          } else progress();
        }, 20);
      });
    expect(await withRetry(p, (_signal, _n, progress) => ticks(progress, 300), () => true)).toBe('done');
    // progress for 150 ms, then none
    const e = await withRetry(p, (_signal, _n, progress) => ticks(progress, 150).then(() => new Promise<never>(() => undefined)), () => true).catch((x: unknown) => x);
    expect(((e as RetryExhausted).last as Error).message).toBe('no answer within 100 ms');
  });
});
