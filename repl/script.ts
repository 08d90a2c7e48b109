/**
 * The console without a person: statements from `-e`, `-f` and standard input run in
 * order, one JSON result per statement on standard output, errors on standard error.
 *
 * @module
 */
import * as fs from 'node:fs';
import { StrataError } from '../src/index.ts';
import type { Source } from './args.ts';
import { errorLine } from './render.ts';
import { type Runner, runScript } from './runner.ts';

/** Reads all of a stream as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of a source; `-f -` is standard input. */
async function textOf(source: Source, stdin: NodeJS.ReadableStream): Promise<string> {
  if (source.kind === 'sql') return source.text;
  if (source.path === '-') return readAll(stdin);
  try {
    return fs.readFileSync(source.path, 'utf8');
  } catch (e) {
    throw new StrataError('IO', `-f: cannot read ${source.path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Runs the sources in order. Stops at the first error unless `continueOnError`.
 * Returns whether every statement succeeded.
 */
export async function runSources(r: Runner, sources: readonly Source[], stdin: NodeJS.ReadableStream, continueOnError: boolean): Promise<boolean> {
  let ok = true;
  for (const source of sources) {
    let text: string;
    try {
      text = await textOf(source, stdin);
    } catch (e) {
      r.err.write(`${errorLine(e, r.errColour)}\n`);
      ok = false;
      if (continueOnError) continue;
      return false;
    }
    if (!(await runScript(r, text, continueOnError))) {
      ok = false;
      if (!continueOnError) return false;
    }
  }
  return ok;
}
