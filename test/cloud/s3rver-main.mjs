// Runs s3rver in a process of its own, for test/cloud/s3-server.ts:
//   node --openssl-legacy-provider s3rver-main.mjs <directory> <port>
// Prints {"port": n} once listening on 127.0.0.1; exits when its stdin closes (the test
// process is gone) or on a signal. The legacy provider is there because s3rver makes
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 leaves out by default.
// It fills one gap of s3rver: AbortMultipartUpload (below).
import fs from 'node:fs';
import path from 'node:path';
import S3rver from 's3rver';

const [directory, port] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true });

// s3rver 3.7 answers AbortMultipartUpload with 405 MethodNotAllowed: it never drops the
// parts of an upload. This handler does what S3 documents for it (DELETE
// /bucket/key?uploadId=id removes the upload and its parts, 204; an unknown upload is
// 404 NoSuchUpload) on s3rver's own store, in the folder where its
// CompleteMultipartUpload finds the parts and which it removes: <bucket>/._S3rver_uploads/<id>.
server.middleware.unshift(async (ctx, next) => {
  const id = ctx.query.uploadId;
  if (ctx.method !== 'DELETE' || typeof id !== 'string') return next();
  const bucket = decodeURIComponent(ctx.path.split('/')[1] ?? '');
  const upload = path.join(directory, bucket, '._S3rver_uploads', id);
  if (!/^[0-9a-f]+$/.test(id) || !fs.existsSync(upload)) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  await fs.promises.rm(upload, { recursive: true, force: true });
  ctx.status = 204;
});
// Koa prints every 5xx to stderr without a listener; the tests cause them on purpose
server.on('error', () => {});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
