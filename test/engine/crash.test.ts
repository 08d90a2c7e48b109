/**
 * Crash test: a child process writes with `wal_sync_on_write` and reports every
 * acknowledged batch; it is killed with SIGKILL at a random moment, in several rounds
 * on one directory. After each kill the database is reopened and must hold every
 * acknowledged event, the batch in flight either whole or not at all, and nothing
 * that was never written.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { scan, tempDir } from './helpers.ts';

const child = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));

/** Runs the child for a round and kills it after `killAfter` acks; returns the last ack. */
function runRound(dir: string, round: number, killAfter: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = -1;
    let buf = '';
    let err = '';
    let killed = false;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+)$/.exec(line);
        if (m !== null) last = Number(m[1]);
      }
      if (!killed && last >= killAfter) {
        killed = true;
        // a random extra delay so the kill lands anywhere in a write or a refresh
        setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 30));
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`crash child exited by itself (${_code}): ${err}`));
    });
  });
}

function verifyRound(rows: Map<bigint, string>, round: number, lastAck: number): void {
  const base = BigInt(round) * 1_000_000n;
  const value = (k: number, j: number) => `r${round}-b${k}-${j}`.padEnd(60, '.');
  const has = (k: number, j: number) => rows.get(base + BigInt(k * 10 + j));
  // the batch in flight: whole or absent
  const inflight = [...Array(10).keys()].map((j) => has(lastAck + 1, j));
  const applied = inflight.every((v) => v !== undefined);
  expect(applied || inflight.every((v) => v === undefined), `batch ${lastAck + 1} of round ${round} is torn`).toBe(true);
  for (let k = 0; k <= lastAck; k++) {
    for (let j = 0; j < 9; j++) expect(has(k, j), `round ${round} batch ${k} event ${j}`).toBe(value(k, j));
    // odd batches delete event 9 of the batch before
    const deleted = k % 2 === 0 && (k < lastAck || applied);
    expect(has(k, 9), `round ${round} batch ${k} event 9`).toBe(deleted ? undefined : value(k, 9));
  }
  const top = lastAck + (applied ? 1 : 0);
  for (const id of rows.keys()) {
    if (id < base || id >= base + 1_000_000n) continue;
    expect(Number(id - base) / 10, `event ${id} was never written`).toBeLessThan(top + 1);
  }
}

test('every acknowledged write survives SIGKILL, nothing else appears', async () => {
  const { dir, cleanup } = tempDir('strata-crash-');
  const acks: number[] = [];
  try {
    for (let round = 0; round < 6; round++) {
      acks.push(await runRound(dir, round, 20 + Math.floor(Math.random() * 300)));
      const db = await Strata.open(dir, { workers: 0 });
      try {
        const rows = new Map(scan(db).map((r) => [r.id, r.value]));
        for (let r = 0; r <= round; r++) verifyRound(rows, r, acks[r]!);
        if (process.env.STRATA_CRASH_LOG) console.log(round, acks[round], JSON.stringify(db.openReport))
      } finally {
        await db.close();
      }
    }
  } finally {
    cleanup();
  }
}, 180_000);
