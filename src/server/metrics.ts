/**
 * `GET /metrics`: Prometheus text through prom-client, every name prefixed `strata_`
 * (docs/server.md#metrics). What happens (writes, WAL syncs, operations' ends) comes
 * from `db.observe`; what is (memory, storages, partitions, operations in flight,
 * cloud requests, upload lag) is read from the database's `SHOW` views when scraped;
 * the HTTP side is counted by the server's hooks.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineEvent, PartitionInfo, Strata, StorageView } from '../index.ts';

/** Latency buckets, in seconds: 50 µs to 10 s. */
const SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Why a request was refused before it did anything (the `reason` of `strata_rejections_total`). */
export type Rejection = 'overloaded' | 'write_queue_full' | 'body_too_large' | 'unauthorized' | 'too_many_streams' | 'timeout';

/** The metrics of one server and its database. */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly rejections: Counter<'reason'>;
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly requestSeconds: Histogram<'route'>;
  private readonly stop: () => void;

  constructor(private readonly db: Strata) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'strata_' });
    const events = new Counter({ name: 'strata_events_written_total', help: 'Events written (acknowledged), by any client', registers });
    const bytes = new Counter({ name: 'strata_bytes_written_total', help: 'Bytes of batches written (acknowledged)', registers });
    const writeSeconds = new Histogram({ name: 'strata_write_seconds', help: 'Time from a write call to its acknowledgement', buckets: SECONDS, registers });
    const walSync = new Histogram({ name: 'strata_wal_sync_seconds', help: 'Time of one WAL sync (fdatasync of its segments)', buckets: SECONDS, registers });
    const ops = new Counter({ name: 'strata_operations_total', help: 'Operations on partitions ended (refresh, move, upload, download), by result', labelNames: ['kind', 'result'], registers });
    const opBytes = new Counter({ name: 'strata_operation_bytes_total', help: 'Bytes written or transferred by operations that succeeded', labelNames: ['kind'], registers });
    const opSeconds = new Histogram({ name: 'strata_operation_seconds', help: 'Time of an operation on a partition', labelNames: ['kind'], buckets: SECONDS, registers });
    this.stop = db.observe((e: EngineEvent) => {
      if (e.type === 'write') {
        events.inc(e.events);
        bytes.inc(e.bytes);
        writeSeconds.observe(e.seconds);
      } else if (e.type === 'wal_sync') {
        walSync.observe(e.seconds);
      } else {
        ops.inc({ kind: e.kind, result: e.ok ? 'ok' : 'failed' });
        if (e.ok) opBytes.inc({ kind: e.kind }, e.bytes);
        opSeconds.observe({ kind: e.kind }, e.seconds);
      }
    });
    this.rejections = new Counter({ name: 'strata_rejections_total', help: 'Requests refused before doing anything, by reason', labelNames: ['reason'], registers });
    this.requests = new Counter({ name: 'strata_http_requests_total', help: 'HTTP requests answered, by route, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.requestSeconds = new Histogram({ name: 'strata_http_request_seconds', help: 'Time to answer an HTTP request', labelNames: ['route'], buckets: SECONDS, registers });
    this.stateGauges(registers);
  }

  /** Gauges read from the database when scraped. */
  private stateGauges(registers: Registry[]): void {
    const db = this.db;
    let state: Promise<State> | null = null;
    // one read of the views per scrape, shared by the gauges that need it
    const read = (): Promise<State> => (state ??= readState(db).finally(() => setImmediate(() => (state = null))));
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: State) => void): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const s = await read();
          this.reset();
          fill(this, s);
        },
      });
    };
    gauge('strata_memtable_bytes', 'Bytes of events in memory (memtables)', [], (g, s) => g.set(s.memory.used));
    gauge('strata_memory_limit_bytes', 'The memory limit (mm_limit_wm) when mm_limit is on, else 0', [], (g, s) => g.set(s.memory.limit ? s.memory.limit_wm : 0));
    gauge('strata_storage_partitions', 'Partitions of a storage, by where their file is (local, cloud)', ['storage', 'location'], (g, s) => {
      for (const st of s.storages) {
        g.set({ storage: st.name, location: 'local' }, st.stats.partitions_local);
        g.set({ storage: st.name, location: 'cloud' }, st.stats.partitions_cloud);
      }
    });
    gauge('strata_storage_events', 'Events of a storage', ['storage'], (g, s) => {
      for (const st of s.storages) g.set({ storage: st.name }, st.stats.events);
    });
    gauge('strata_storage_bytes', 'Bytes of the partition files of a storage, by where they are (local, cloud)', ['storage', 'location'], (g, s) => {
      const sums = new Map<string, { local: number; cloud: number }>();
      for (const st of s.storages) sums.set(st.name, { local: 0, cloud: 0 });
      for (const p of s.partitions) {
        const sum = sums.get(p.storage);
        if (sum === undefined) continue;
        if (p.on_storage) sum.local += p.size;
        if (p.on_cloud) sum.cloud += p.size;
      }
      for (const [storage, sum] of sums) {
        g.set({ storage, location: 'local' }, sum.local);
        g.set({ storage, location: 'cloud' }, sum.cloud);
      }
    });
    gauge('strata_operations_in_flight', 'Operations on partitions in flight, by kind', ['kind'], (g, s) => {
      for (const kind of ['refresh', 'move', 'upload', 'download']) g.set({ kind }, 0);
      for (const op of s.operations) g.inc({ kind: op.kind });
    });
    gauge('strata_upload_lag_partitions', 'Partitions of storages with a cloud whose file is not on the cloud yet', [], (g, s) => g.set(s.lag.partitions));
    gauge('strata_upload_lag_bytes', 'Bytes of the partition files waiting for their upload', [], (g, s) => g.set(s.lag.bytes));
    new Counter({
      name: 'strata_cloud_requests_total',
      help: 'HTTP requests sent to a cloud (each try of a retried one), by kind and status (ok, error), since the database opened',
      labelNames: ['cloud', 'kind', 'status'],
      registers,
      async collect() {
        const s = await read();
        this.reset();
        for (const [cloud, { requests, failures }] of s.clouds) {
          for (const [kind, n] of Object.entries(requests)) {
            const failed = failures[kind] ?? 0;
            this.inc({ cloud, kind, status: 'ok' }, n - failed);
            this.inc({ cloud, kind, status: 'error' }, failed);
          }
        }
      },
    });
  }

  /** Counts a request refused for `reason`. */
  reject(reason: Rejection): void {
    this.rejections.inc({ reason });
  }

  /** Counts an answered request. */
  answered(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.requestSeconds.observe({ route }, seconds);
  }

  /** The metrics as Prometheus text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops observing the database. */
  close(): void {
    this.stop();
  }
}

/** What the gauges show, read once per scrape. */
interface State {
  readonly memory: { used: number; limit: boolean; limit_wm: number };
  readonly storages: StorageView[];
  readonly partitions: PartitionInfo[];
  readonly operations: { kind: string }[];
  readonly clouds: [string, { requests: Record<string, number>; failures: Record<string, number> }][];
  readonly lag: { partitions: number; bytes: number };
}

async function readState(db: Strata): Promise<State> {
  const memory = (await db.execute('SHOW MEMORY')) as State['memory'];
  const storages = (await db.execute('SHOW STORAGES')) as StorageView[];
  const partitions = (await db.execute('SHOW PARTITIONS')) as PartitionInfo[];
  const clouds: State['clouds'] = [];
  for (const c of (await db.execute('SHOW CLOUDS')) as { name: string }[]) {
    const shown = (await db.execute(`SHOW CLOUD ${c.name}`)) as { requests: Record<string, number>; failures: Record<string, number> };
    clouds.push([c.name, { requests: shown.requests, failures: shown.failures }]);
  }
  const withCloud = new Set(storages.filter((s) => s.config.cloud !== null).map((s) => s.name));
  let lagParts = 0;
  let lagBytes = 0;
  for (const p of partitions) {
    if (withCloud.has(p.storage) && p.on_storage && !p.on_cloud && p.size > 0) {
      lagParts++;
      lagBytes += p.size;
    }
  }
  return { memory, storages, partitions, operations: db.operations.list(), clouds, lag: { partitions: lagParts, bytes: lagBytes } };
}
