/**
 * The progress line of long statements: what it says, when it is drawn and cleared,
 * and the [k/N] of statements over many partitions.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { parseOne } from '../../grammar/index.ts';
import { palette } from '../../repl/colour.ts';
import { PROGRESS_INTERVAL, PlanPosition, ProgressLine, describeOperation, planOf, progressText } from '../../repl/progress.ts';
import { type Runner, runPart } from '../../repl/runner.ts';
import { splitScript } from '../../grammar/index.ts';
import { type OperationInfo, Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

const op = (kind: string, partition: bigint, source: string, destination: string, done = 0, total = 0): OperationInfo => ({
  kind, partition, source, destination, bytes_done: done, bytes_total: total, started: 0,
});
const plain = palette(false);

describe('what the line says', () => {
  test('an operation: kind, partition, storages, bytes', () => {
    expect(describeOperation(op('move', 3000000n, 'hot', 'cold', 0, 4 * 1024 * 1024))).toBe('move 3000000 hot -> cold 0 B / 4.0 MiB');
    expect(describeOperation(op('refresh', 0n, 'main', 'main'))).toBe('refresh 0 main');
    expect(describeOperation(op('refresh', 0n, 'main', 'main', 2048))).toBe('refresh 0 main 2.0 KiB');
  });

  test('the first operation and how many more, or the statement; then the time', () => {
    expect(progressText([op('move', 0n, 'a', 'b'), op('refresh', 5n, 'a', 'a')], 'MOVE ...', 2300, '[1/4] ')).toBe('[1/4] move 0 a -> b (+1 more) 2.3s');
    expect(progressText([], 'REBALANCE\n  ', 450)).toBe('running REBALANCE  450 ms');
  });

  test('[k/N]: the statement\'s own operations first; k never goes back', () => {
    const position = new PlanPosition({ partitions: [0n, 100n, 200n], owns: (o) => o.kind === 'move' });
    expect(position.look([]).label).toBe('');
    const first = position.look([op('refresh', 200n, 'a', 'a'), op('move', 0n, 'a', 'b')]);
    expect(first.label).toBe('[1/3] ');
    expect(first.ops.map((o) => o.kind)).toEqual(['move', 'refresh']);
    expect(position.look([op('move', 200n, 'a', 'b')]).label).toBe('[3/3] ');
    expect(position.look([op('move', 0n, 'a', 'b')]).label).toBe('[3/3] ');
    expect(new PlanPosition(null).look([op('move', 0n, 'a', 'b')]).label).toBe('');
  });
});

describe('drawing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('drawn in place every interval from the first, cleared at the end', () => {
    const written: string[] = [];
    const stream = { columns: 60, write: (t: string) => written.push(t) > 0 };
    let ops = [op('move', 0n, 'main', 'cold', 0, 1024)];
    const line = new ProgressLine(stream, () => ops, 'MOVE PARTITIONS FROM 0 TO 9 INTO cold', plain, { partitions: [0n, 5n], owns: () => true });
    line.start();
    vi.advanceTimersByTime(PROGRESS_INTERVAL - 1);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(written).toEqual([expect.stringMatching(/^\r\x1b\[K\[1\/2\] move 0 main -> cold 0 B \/ 1\.0 KiB \S+/)]);
    ops = [op('move', 5n, 'main', 'cold', 0, 1024)];
    vi.advanceTimersByTime(PROGRESS_INTERVAL);
    expect(written[1]).toMatch(/^\r\x1b\[K\[2\/2\] move 5 main -> cold/);
    line.stop();
    expect(written[2]).toBe('\r\x1b[K');
    vi.advanceTimersByTime(10 * PROGRESS_INTERVAL);
    expect(written).toHaveLength(3);
  });

  test('a quick statement draws nothing; a long line is cut to the width', () => {
    const written: string[] = [];
    const stream = { columns: 30, write: (t: string) => written.push(t) > 0 };
    const quick = new ProgressLine(stream, () => [], 'SHOW WAL', plain);
    quick.start();
    quick.stop();
    vi.advanceTimersByTime(PROGRESS_INTERVAL * 3);
    expect(written).toEqual([]);
    const long = new ProgressLine(stream, () => [op('move', 123456789n, 'a-long-storage', 'another-long-storage', 1, 2)], 'MOVE', plain);
    long.start();
    vi.advanceTimersByTime(PROGRESS_INTERVAL);
    long.stop();
    expect(written[0]).toBe('\r\x1b[Kmove 123456789 a-long-storag…');
  });

  test('the runner shows the line while a statement runs, and clears it before the result', async () => {
    const written: string[] = [];
    const sink = { write: (t: string) => written.push(t) };
    let release = (): void => undefined;
    const db = {
      operations: { list: () => [op('refresh', 0n, 'main', 'main', 0, 10)] },
      execute: (sql: string) =>
        sql.startsWith('REFRESH') ? new Promise((resolve) => (release = () => resolve(null))) : Promise.resolve([{ min: 0n }, { min: 7n }]),
    } as unknown as Strata;
    const runner: Runner = {
      db, out: sink, err: sink, outColour: plain, errColour: plain, interactive: true, pretty: true,
      progress: { columns: 80, write: (t: string) => written.push(t) > 0 }, timing: false, json: false, columns: () => 80,
    };
    const source = 'REFRESH PARTITIONS FROM 0 TO 5';
    const running = runPart(runner, splitScript(source)[0]!, source);
    await vi.advanceTimersByTimeAsync(PROGRESS_INTERVAL * 2);
    expect(written).toEqual([
      expect.stringMatching(/^\r\x1b\[K\[1\/1\] refresh 0 main 0 B \/ 10 B/),
      expect.stringMatching(/^\r\x1b\[K\[1\/1\] refresh 0 main 0 B \/ 10 B/),
    ]);
    release();
    expect(await running).toBe(true);
    expect(written.slice(2)).toEqual(['\r\x1b[K', 'ok\n']);
  });
});

describe('the plan of a statement, from the database', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: Strata;
  beforeEach(async () => {
    tmp = tempDir();
    db = await Strata.open(tmp.dir, { workers: 0 });
    await db.executeAll("SET interval TO 100; INSERT (1, 'a'); INSERT (101, 'b'); INSERT (250, 'c'); CREATE STORAGE cold");
  });
  afterEach(async () => {
    await db.close();
    tmp.cleanup();
  });

  test('MOVE and REFRESH PARTITIONS: the partitions in the range; REBALANCE: the moves it plans', async () => {
    const move = await planOf(db, parseOne('MOVE PARTITIONS FROM 50 TO 300 INTO cold'));
    expect(move?.partitions).toEqual([100n, 200n]);
    expect(move?.owns(op('move', 100n, 'main', 'cold'))).toBe(true);
    expect(move?.owns(op('refresh', 100n, 'main', 'main'))).toBe(false);
    expect((await planOf(db, parseOne('REFRESH PARTITIONS BETWEEN 0 AND 100')))?.partitions).toEqual([0n, 100n]);
    await db.execute('ALTER PIPELINE main (partitions 1), cold');
    expect((await planOf(db, parseOne('REBALANCE')))?.partitions).toEqual([0n, 100n]);
    expect(await planOf(db, parseOne('EXPLAIN REBALANCE'))).toBeNull();
    expect(await planOf(db, parseOne('SHOW WAL'))).toBeNull();
  });
});
