/**
 * HTTPS: with a certificate and key, the server speaks TLS only, and a client that
 * trusts the certificate writes and reads through it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { DEFAULT_LIMITS, startServer } from '../../src/server/index.ts';
import { tempDir } from '../engine/helpers.ts';
import { batch } from './helpers.ts';

function request(url: string, ca: Buffer, init: { method: string; body?: Uint8Array; type?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method, ca, headers: init.type === undefined ? {} : { 'content-type': init.type } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

test('a server with --tls-cert and --tls-key answers over HTTPS only', async () => {
  const { dir, cleanup } = tempDir('strata-tls-');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const db = await Strata.open(path.join(dir, 'db'), { workers: 0 });
  const server = await startServer(db, { host: '127.0.0.1', port: 0, token: null, tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, limits: DEFAULT_LIMITS });
  try {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = fs.readFileSync(cert);
    const w = await request(`${server.url}/v1/write`, ca, { method: 'POST', body: batch(0, 5), type: 'application/octet-stream' });
    expect(w).toEqual({ status: 200, body: '{"events":5,"serial":null}' });
    const r = await request(`${server.url}/v1/events?format=ndjson`, ca, { method: 'GET' });
    expect(r.body.trim().split('\n')).toHaveLength(5);
    // plain HTTP to the same port gets no answer a client could read as one
    await expect(fetch(server.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
  } finally {
    await server.close();
    await db.close();
    cleanup();
  }
});
