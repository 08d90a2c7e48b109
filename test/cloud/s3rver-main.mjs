// Runs s3rver in a process of its own, for test/cloud/s3-server.ts:
//   node --openssl-legacy-provider s3rver-main.mjs <directory> <port>
// Prints {"port": n} once listening on 127.0.0.1; exits when its stdin closes (the test
// process is gone) or on a signal. The legacy provider is there because s3rver makes
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 leaves out by default.
import S3rver from 's3rver';

const [directory, port] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true });
// Koa prints every 5xx to stderr without a listener; the tests cause them on purpose
server.on('error', () => {});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
