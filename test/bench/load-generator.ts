/**
 * The load generator of `npm run bench:http`, in a process of its own: autocannon's API
 * POSTing the bytes of a file (its command line reads a body file as text, which
 * would change a binary batch) to a loopback URL; prints autocannon's result as JSON.
 *
 * Usage: node --import tsx test/bench/load-generator.ts URL BODY-FILE CONNECTIONS SECONDS
 */
import * as fs from 'node:fs';
import autocannon from 'autocannon';

const [url, file, connections, seconds] = process.argv.slice(2) as [string, string, string, string];
if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load-generator: only 127.0.0.1, got ${url}`);
const result = await autocannon({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/octet-stream' },
  body: fs.readFileSync(file),
  connections: Number(connections),
  duration: Number(seconds),
});
process.stdout.write(JSON.stringify(result));
