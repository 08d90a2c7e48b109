/**
 * The crash campaign: a child process (campaign-child.mjs) writes with
 * `wal_sync_on_write` under background refreshes, a `hot (partitions 2), cold`
 * pipeline whose moves run by themselves, and `cold` on a cloud (a real s3rver); the
 * parent kills it with SIGKILL at random moments (while it writes, and while it opens
 * and recovers what the previous kill left), reopens the database and checks:
 *
 * - every acknowledged batch is there: each acknowledged insert with its latest value,
 *   each acknowledged delete absent; of the batches written but not acknowledged, a
 *   prefix in write order, each whole (found by trying each possible prefix);
 * - nothing that was never written, and no `(id, key)` twice (the scan is strictly
 *   ordered);
 * - after a CHECKPOINT, `SHOW PARTITIONS` agrees with the scan: each partition's event
 *   count is the number of scanned events in its range, and no event is outside one;
 * - no orphan: the storage folders hold exactly the live local copies, the bucket
 *   exactly the live cloud copies, no operation and no pending deletion is recorded.
 *
 *   npm run test:crash -- --rounds N --minutes M [--dir D] [--seed S]
 *
 * runs until N rounds or M minutes, whichever comes first, and prints a summary.
 * `npm test` runs a few rounds (campaign.test.ts).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Strata } from '../../src/index.ts';
import { listBucket, readManifest, storageLayout } from '../cloud/engine-helpers.ts';
import { type S3Server, S3_CREDENTIALS, startS3Server } from '../cloud/s3-server.ts';
import { INTERVAL, applyBatch, modelKey, mulberry32 } from './workload.mjs';

const CHILD = fileURLToPath(new URL('./campaign-child.mjs', import.meta.url));
/** Writes the child keeps unacknowledged at a time. */
const IN_FLIGHT = 4;

/** What a campaign found. */
export interface CampaignResult {
  rounds: number;
  /** Rounds whose child was killed while it opened (recovering the previous kill). */
  killedInOpen: number;
  /** Batches acknowledged, over all rounds. */
  acked: number;
  /** Batches written but not acknowledged that the reopen found applied (whole). */
  unackedApplied: number;
  /** Events compared with the model, over all checks. */
  eventsChecked: number;
  /** Sums of what the checking opens recovered. */
  recovered: { walRecords: number; walEvents: number; tornTails: number; rolledBack: number; completed: number; orphansRemoved: number; cloud: number };
  seconds: number;
}

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  rounds: number;
  minutes: number;
  /** The database directory (a temporary one by default, removed at the end). */
  dir?: string;
  /** Seed of the kill schedule (random by default). */
  seed?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Fails the campaign with what was expected. */
function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`crash campaign: ${what}`);
}

/** A running child: its `ready` and `ack` lines as they come. */
class Child {
  readonly proc: ChildProcess;
  ready = false;
  lastAck = -1;
  acks = 0;
  stderr = '';
  readonly exited: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(dir: string, round: number, mode: 'write' | 'open') {
    this.proc = spawn(process.execPath, [CHILD, dir, String(round), mode, String(IN_FLIGHT)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready') this.ready = true;
        const m = /^ack (\d+)$/.exec(line);
        if (m !== null) {
          const k = Number(m[1]);
          check(k === this.lastAck + 1, `acknowledgements out of order: ${k} after ${this.lastAck}`);
          this.lastAck = k;
          this.acks++;
        }
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once `cond` holds (checked at each line); rejects if the child exits first. */
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`crash campaign: the child exited (${this.proc.exitCode ?? this.proc.signalCode}) before it was killed: ${this.stderr}`);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
    check(this.proc.signalCode === 'SIGKILL', `the child exited by itself (${this.proc.exitCode}): ${this.stderr}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the campaign (see the module comment). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = mulberry32(seed);
  const log = options.log ?? (() => undefined);
  const owned = options.dir === undefined;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'strata-campaign-'));
  const s3 = await startS3Server();
  const started = Date.now();
  const result: CampaignResult = {
    rounds: 0, killedInOpen: 0, acked: 0, unackedApplied: 0, eventsChecked: 0, seconds: 0,
    recovered: { walRecords: 0, walEvents: 0, tornTails: 0, rolledBack: 0, completed: 0, orphansRemoved: 0, cloud: 0 },
  };
  log(`crash campaign: seed ${seed}, ${dir}, s3 ${s3.url}`);
  try {
    await setUp(dir, s3);
    let model = new Map<string, string>();
    /** Ack counts of write rounds not yet checked: their unacknowledged tail is unknown. */
    let unchecked: { round: number; lastAck: number } | null = null;
    let openTime = 1000;
    for (let round = 0; round < options.rounds && Date.now() - started < options.minutes * 60_000; round++) {
      result.rounds++;
      if (unchecked !== null && rand() < 0.5) {
        // kill the next child while it opens: it recovers what the previous kill left
        const child = new Child(dir, round, 'open');
        await sleep(rand() * openTime * 1.2);
        const wasReady = child.ready;
        await child.kill();
        if (!wasReady) result.killedInOpen++;
        log(`round ${round}: killed ${wasReady ? 'after' : 'during'} open`);
        continue;
      }
      if (unchecked !== null) {
        model = await verify(dir, s3, model, unchecked, result);
        unchecked = null;
      }
      const child = new Child(dir, round, 'write');
      const t0 = Date.now();
      await child.until(() => child.ready);
      openTime = Date.now() - t0;
      const target = Math.floor(rand() * 400);
      await child.until(() => child.lastAck >= target);
      await sleep(rand() * 40);
      await child.kill();
      result.acked += child.acks;
      log(`round ${round}: killed after ${child.lastAck + 1} acknowledged batches`);
      unchecked = { round, lastAck: child.lastAck };
    }
    if (unchecked !== null) model = await verify(dir, s3, model, unchecked, result);
  } finally {
    await s3.close();
    if (owned) fs.rmSync(dir, { recursive: true, force: true });
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** The cloud, the storages and the pipeline, made once. */
async function setUp(dir: string, s3: S3Server): Promise<void> {
  const db = await Strata.open(dir, { workers: 0, interval: INTERVAL });
  try {
    await db.execute(
      `CREATE CLOUD IF NOT EXISTS s3 (type 's3', url '${s3.url}', access_key '${S3_CREDENTIALS.access_key}', secret_key '${S3_CREDENTIALS.secret_key}', path_style true);
       CREATE STORAGE IF NOT EXISTS hot; CREATE STORAGE IF NOT EXISTS cold (cloud 's3');
       ALTER PIPELINE hot (partitions 2), cold`,
    );
  } finally {
    await db.close();
  }
}

interface Part {
  min: bigint;
  max: bigint;
  events: number;
  events_heap: number;
}

/**
 * Opens the database after a kill and checks it (the module comment lists what).
 * Returns the model with the unacknowledged batches the reopen found applied.
 */
async function verify(dir: string, s3: S3Server, before: Map<string, string>, last: { round: number; lastAck: number }, result: CampaignResult): Promise<Map<string, string>> {
  const db = await Strata.open(dir, { workers: 0 });
  try {
    const r = db.openReport;
    result.recovered.walRecords += r.wal?.records ?? 0;
    result.recovered.walEvents += r.wal?.events ?? 0;
    result.recovered.tornTails += r.wal?.truncated.length ?? 0;
    result.recovered.rolledBack += r.rolledBack.length;
    result.recovered.completed += r.completed.length;
    result.recovered.orphansRemoved += r.orphansRemoved.length;
    result.recovered.cloud += r.cloud.length;
    check(r.damaged.length === 0, `damaged partitions after a kill: ${r.damaged.join('; ')}`);

    const scanned = await scanAll(db);
    // the acknowledged batches, then as many of the unacknowledged ones as were applied
    const model = new Map(before);
    for (let k = 0; k <= last.lastAck; k++) applyBatch(model, last.round, k);
    let applied = 0;
    const misses: string[] = [];
    while (!same(model, scanned)) {
      misses.push(`with ${applied} more: ${differences(model, scanned)}`);
      check(applied < IN_FLIGHT, `round ${last.round}: the database matches no prefix of the batches written (acknowledged up to ${last.lastAck}): ${misses.join('; ')}; open report ${JSON.stringify(r)}`);
      applyBatch(model, last.round, last.lastAck + 1 + applied);
      applied++;
    }
    result.unackedApplied += applied;
    result.eventsChecked += scanned.size;

    const ckpt = await db.checkpoint();
    check(ckpt.damaged.length === 0, `checkpoint found damaged partitions: ${JSON.stringify(ckpt.damaged, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    const parts = (await db.execute('SHOW PARTITIONS')) as Part[];
    const ids = [...scanned.keys()].map((k) => BigInt(k.slice(0, 20)));
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      check(i === 0 || parts[i - 1]!.max < p.min, `partitions ${parts[i - 1]?.min} and ${p.min} overlap`);
      check(at >= ids.length || ids[at]! >= p.min, `event ${ids[at]} lies outside every partition`);
      let n = 0;
      while (at < ids.length && ids[at]! <= p.max) {
        at++;
        n++;
      }
      check(p.events_heap === 0 && p.events === n, `partition ${p.min}: SHOW PARTITIONS says ${p.events} events (${p.events_heap} in memory), the scan finds ${n}`);
    }
    check(at === ids.length, `event ${ids[at]} lies after every partition`);
    await expectNoOrphans(db, s3);
    return model;
  } finally {
    await db.close();
  }
}

/** Every event, cloud-only partitions included, by model key; checks the strict order. */
async function scanAll(db: Strata): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let prev = '';
  const c = db.cursor();
  try {
    while (c.next() || (await c.nextAsync())) {
      const e = c.event;
      const k = modelKey(e.id, Buffer.from(e.key).toString('latin1'));
      check(k > prev, `the scan is not strictly ordered: ${k} after ${prev} (a duplicate (id, key)?)`);
      prev = k;
      out.set(k, Buffer.from(e.value).toString('latin1'));
    }
  } finally {
    c.close();
  }
  return out;
}

function same(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** How `got` differs from `want`: the count and the first few. */
function differences(want: Map<string, string>, got: Map<string, string>): string {
  const out: string[] = [];
  for (const [k, v] of want) if (got.get(k) !== v) out.push(`${k}: want ${v.slice(0, 16)}, got ${got.get(k)?.slice(0, 16) ?? 'nothing'}`);
  for (const [k, v] of got) if (!want.has(k)) out.push(`${k}: want nothing, got ${v.slice(0, 16)}`);
  return `${out.length} differences (${out.slice(0, 3).join(', ')})`;
}

/** The folders hold exactly the live local copies, the bucket exactly the live cloud copies. */
async function expectNoOrphans(db: Strata, s3: S3Server): Promise<void> {
  const m = readManifest(db.dir);
  check(m.operations.length === 0, `operations left in the manifest: ${m.operations.length}`);
  check(m.cloudDeletes.length === 0, `objects waiting for deletion: ${m.cloudDeletes.map((d) => d.key).join(', ')}`);
  const storages = await storageLayout(db);
  const wantFiles: string[] = [];
  const wantObjects: string[] = [];
  for (const r of m.partitions) {
    if (r.file === 0) continue;
    const s = storages.find((x) => x.name === r.storage)!;
    const name = `${r.min.toString().padStart(20, '0')}.${r.file}.part`;
    check(r.onStorage || r.onCloud, `partition ${r.min} has no copy`);
    if (r.onStorage) wantFiles.push(`${s.name}/${name}`);
    if (r.onCloud) wantObjects.push(`${s.bucket}/${s.uuid}/${name}`);
  }
  const files: string[] = [];
  for (const s of storages) for (const f of fs.readdirSync(s.dir)) if (f.endsWith('.part')) files.push(`${s.name}/${f}`);
  check(same(new Map(files.map((f) => [f, ''])), new Map(wantFiles.map((f) => [f, '']))), `storage folders hold ${files.sort().join(', ')}; the live local copies are ${wantFiles.sort().join(', ')}`);
  const objects: string[] = [];
  for (const bucket of new Set(storages.map((s) => s.bucket).filter((b) => b !== null))) {
    for (const key of await listBucket(s3.url, bucket)) objects.push(`${bucket}/${key}`);
  }
  check(same(new Map(objects.map((f) => [f, ''])), new Map(wantObjects.map((f) => [f, '']))), `the bucket holds ${objects.sort().join(', ')}; the live cloud copies are ${wantObjects.sort().join(', ')}`);
}

/** The summary lines of a campaign. */
export function summary(r: CampaignResult): string[] {
  const rec = r.recovered;
  return [
    `crash campaign: ${r.rounds} rounds in ${r.seconds.toFixed(0)} s (${r.killedInOpen} kills during open/recovery), passed`,
    `  ${r.acked} batches acknowledged, ${r.unackedApplied} unacknowledged batches found applied whole; ${r.eventsChecked} events checked against the model`,
    `  recovered: ${rec.walRecords} WAL records (${rec.walEvents} events) replayed, ${rec.tornTails} torn tails cut, ${rec.rolledBack} operations rolled back, ${rec.completed} completed, ${rec.orphansRemoved} orphan files removed, ${rec.cloud} cloud deletions`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '1000' }, minutes: { type: 'string', default: '60' }, dir: { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean', default: false } },
  });
  const result = await runCampaign({
    rounds: Number(values.rounds),
    minutes: Number(values.minutes),
    ...(values.dir === undefined ? {} : { dir: values.dir }),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  for (const line of summary(result)) console.log(line);
}
