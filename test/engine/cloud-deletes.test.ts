/**
 * The backoff of failed cloud deletions (src/engine/cloud/cloud-deletes.ts `FailedDeletes`),
 * with explicit clocks: when each row is due, per endpoint and per row.
 */
import { describe, expect, test } from 'vitest';
import { FailedDeletes, RETRY_MAX_MS } from '../../src/engine/cloud/cloud-deletes.ts';

const row = (id: number, bucket = 'b', cloud = 's3') => ({ id, cloud, bucket, key: `k${id}` });
const failure = new Error('cloud delete: 503');

describe('FailedDeletes', () => {
  test('a failure is due 1 s later; each failed retry doubles the pause, up to 30 s', () => {
    const f = new FailedDeletes();
    f.failed(row(1), failure, false, 0);
    expect(f.due(999)).toEqual([]);
    expect(f.due(1000)).toEqual([[1]]);
    let now = 1000;
    const pauses: number[] = [];
    for (let i = 0; i < 7; i++) {
      f.failed(row(1), failure, true, now);
      // the first second at which the row is due (every pause is whole seconds)
      let next = now;
      while (f.due(next).length === 0) next += 1000;
      pauses.push(next - now);
      now = next;
    }
    expect(pauses).toEqual([2000, 4000, 8000, 16_000, RETRY_MAX_MS, RETRY_MAX_MS, RETRY_MAX_MS]);
    expect(f.error(1)).toBe('cloud delete: 503');
  });

  test('rows of one endpoint are due together, least recently failed first; a failed retry pauses the whole endpoint', () => {
    const f = new FailedDeletes();
    f.failed(row(1), failure, false, 0);
    f.failed(row(2), failure, false, 10);
    f.failed(row(3, 'other'), failure, false, 20);
    expect(f.due(2000)).toEqual([[1, 2], [3]]);
    // the retry of row 1 fails: endpoint 'b' waits 2 s, row 1 goes to the back
    f.failed(row(1), failure, true, 2000);
    expect(f.due(3000)).toEqual([[3]]);
    expect(f.due(4000)).toEqual([[2, 1], [3]]);
  });

  test('a deletion that succeeds ends its endpoint pause, not the pause of a row that keeps failing', () => {
    const f = new FailedDeletes();
    f.failed(row(1), failure, false, 0);
    f.failed(row(2), failure, false, 0);
    f.failed(row(1), failure, true, 1000); // row 1: 2 s; endpoint: 2 s
    f.failed(row(1), failure, true, 3000); // row 1: 4 s; endpoint: 4 s
    expect(f.due(4000)).toEqual([]);
    f.deleted(99, 's3', 'b'); // another deletion of the endpoint succeeded
    expect(f.due(4000)).toEqual([[2]]);
    expect(f.due(7000)).toEqual([[2, 1]]);
  });

  test('a failure outside the retrier never shortens a pause; forgotten rows are no longer due', () => {
    const f = new FailedDeletes();
    f.failed(row(1), failure, false, 0);
    f.failed(row(1), failure, true, 1000); // due at 3000
    f.failed(row(2), failure, false, 1500); // the endpoint stays paused until 3000
    expect(f.due(2999)).toEqual([]);
    expect(f.due(3000)).toEqual([[1, 2]]);
    f.forget(1);
    f.deleted(2, 's3', 'b');
    expect(f.size).toBe(0);
    expect(f.due(10_000)).toEqual([]);
    expect(f.error(1)).toBeNull();
  });
});
