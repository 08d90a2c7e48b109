/**
 * The web console's files (web/console: one page, its script and style, shipped in
 * the package; nothing from a CDN), served at `/` and `/console/*`.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';

/** The files of the console and their content types. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** web/console of the package: found upward from here (src/server, or dist/src/server). */
export function consoleDir(): string | null {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'web', 'console');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

/** Registers `GET /` and `GET /console/:file` (read once, kept in memory). */
export function registerConsole(app: FastifyInstance): void {
  const dir = consoleDir();
  if (dir === null) return;
  const files = new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: fs.readFileSync(path.join(dir, name)) }]));
  const page = files.get('index.html')!;
  app.get('/', async (_req, reply) => reply.type(page.type).header('cache-control', 'no-cache').send(page.body));
  app.get('/console/:file', async (req, reply) => {
    const f = files.get((req.params as { file: string }).file);
    if (f === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'console: no such file' } });
    return reply.type(f.type).header('cache-control', 'no-cache').send(f.body);
  });
}
