/**
 * Paging with continuation tokens while the data moves under it: between pages the
 * partitions are refreshed, moved between storages, uploaded to a cloud storage on a
 * real S3 server (s3rver on 127.0.0.1) with their local copies dropped, and the server
 * and database are restarted; the pages together hold every event of the range once,
 * in order.
 */
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ClientEvent } from '../../src/index.ts';
import { type S3Server, startS3Server } from '../cloud/s3-server.ts';
import { scan } from '../engine/helpers.ts';
import { type Served, batch, serve } from './helpers.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

function rows(events: ClientEvent[]): { id: bigint; key: string; value: string }[] {
  const d = new TextDecoder();
  return events.map((e) => ({ id: e.id, key: d.decode(e.key), value: d.decode(e.value) }));
}

test('no event repeated or skipped across refreshes, moves, uploads, a cloud-only read and a restart', async () => {
  const s: Served = await serve({ config: { interval: 100n, region_size: 1024 } });
  try {
    await s.db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true)`);
    await s.db.execute('CREATE STORAGE hot');
    await s.db.execute("CREATE STORAGE cold (cloud 's3')");
    await s.db.write(batch(0, 1000, 3));
    const want = scan(s.db);
    expect(want.length).toBe(1000);
    const steps: (() => Promise<unknown>)[] = [
      () => s.db.checkpoint(),
      () => s.db.execute('MOVE PARTITIONS FROM 0 TO 399 INTO hot'),
      () => s.db.execute('MOVE PARTITIONS FROM 0 TO 999 INTO cold'), // uploaded
      () => s.db.execute('DROP PARTITIONS FROM 0 TO 999 ON STORAGE'), // only on the cloud now
      () => s.restart(),
      () => s.db.execute('DOWNLOAD PARTITIONS FROM 0 TO 999'),
      async () => {
        // the cloud's requests since the restart, by status: the downloads' GETs, none failed
        const cloud = parsePrometheus(await (await fetch(`${s.server.url}/metrics`)).text()).find((f) => f.name === 'strata_cloud_requests_total')!;
        const count = (kind: string, status: string): number => Number(cloud.metrics.find((m) => m.labels?.kind === kind && m.labels.status === status)?.value ?? NaN);
        expect(count('get', 'ok')).toBeGreaterThan(0);
        expect(count('get', 'error')).toBe(0);
      },
      () => s.db.execute('MOVE PARTITIONS FROM 0 TO 999 INTO main'),
      () => s.restart(),
    ];
    const got: ClientEvent[] = [];
    let page = await s.client.page({ limit: 37 });
    let step = 0;
    for (;;) {
      got.push(...page.events);
      if (page.next === null) break;
      if (step < steps.length) await steps[step++]!();
      page = await s.client.page({ after: page.next, limit: 37 });
    }
    expect(step).toBe(steps.length);
    expect(rows(got)).toEqual(want);
    const parts = (await s.db.execute('SHOW PARTITIONS')) as { storage: string }[];
    expect(new Set(parts.map((p) => p.storage))).toEqual(new Set(['main']));

  } finally {
    await s.close();
  }
});

test('a token stays right when the event it ended on is deleted, and events written ahead of it are read', async () => {
  const s = await serve();
  try {
    await s.db.write(batch(0, 10));
    const first = await s.client.page({ limit: 4 });
    expect(first.events.map((e) => e.id)).toEqual([0n, 1n, 2n, 3n]);
    await s.db.execute('DELETE 3');
    await s.db.execute('DELETE 4');
    await s.db.write(batch(2, 1)); // behind the position: not read again
    await s.db.write(batch(100, 1)); // ahead: read
    const rest = [];
    for (let p = await s.client.page({ after: first.next!, limit: 4 }); ; p = await s.client.page({ after: p.next!, limit: 4 })) {
      rest.push(...p.events.map((e) => e.id));
      if (p.next === null) break;
    }
    expect(rest).toEqual([5n, 6n, 7n, 8n, 9n, 100n]);
  } finally {
    await s.close();
  }
});
