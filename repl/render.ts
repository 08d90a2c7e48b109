/**
 * How results and errors read: JSON (pretty and coloured on a terminal, one line
 * otherwise), errors as `error: CODE: message`, and syntax errors with the offending
 * line and a caret under the token.
 *
 * @module
 */
import { StrataError, toJson } from '../src/index.ts';
import type { Palette } from './colour.ts';

/** The JSON tokens that get a colour: strings (keys when a `:` follows), numbers, literals. */
const JSON_TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false)\b|\b(null)\b/g;

/** Colours JSON text: keys, strings, numbers, booleans and null each in their colour. */
export function colourJson(json: string, p: Palette): string {
  if (!p.enabled) return json;
  return json.replace(JSON_TOKEN, (match, str: string | undefined, colon: string | undefined, num: string | undefined, bool: string | undefined) => {
    if (str !== undefined) return colon !== undefined ? p.key(str) + colon : p.string(str);
    if (num !== undefined) return p.number(num);
    if (bool !== undefined) return p.boolean(bool);
    return p.dim(match);
  });
}

/**
 * A result as JSON, u64 values as exact integers (`toJson`). `pretty`: coloured with
 * `p`, and indented (two spaces) unless it fits on one line of `width` characters (at
 * most 100); otherwise one line, plain.
 */
export function renderJson(value: unknown, pretty: boolean, p: Palette, width = 80): string {
  const line = toJson(value);
  if (!pretty) return line;
  return colourJson(line.length < Math.min(width, 100) ? line : toJson(value, 2), p);
}

/** `error: CODE: message` (the message of anything else that was thrown). */
export function errorLine(e: unknown, p: Palette): string {
  const text = e instanceof StrataError ? `error: ${e.code}: ${e.message}` : `error: ${e instanceof Error ? e.message : String(e)}`;
  return p.error(text);
}

/** Where a SYNTAX message says the error is: `syntax error at line L, column C: ...`. */
export function syntaxPosition(message: string): { line: number; column: number } | null {
  const m = /^syntax error at line (\d+), column (\d+):/.exec(message);
  return m === null ? null : { line: Number(m[1]), column: Number(m[2]) };
}

/**
 * A syntax error under the text it is about: the error line, then the offending line of
 * `source` and a caret under the column, so the reader sees where it went wrong:
 *
 * ```text
 * error: SYNTAX: syntax error at line 1, column 18: unexpected 'TO'; expected INTO in ...
 *   MOVE PARTITION 5 TO cold
 *                    ^
 * ```
 *
 * Other errors, and positions outside `source`, give just the error line.
 */
export function renderError(e: unknown, source: string, p: Palette): string {
  const head = errorLine(e, p);
  if (!(e instanceof StrataError) || e.code !== 'SYNTAX') return head;
  const at = syntaxPosition(e.message);
  const line = at === null ? undefined : source.split(/\r?\n|\r/)[at.line - 1];
  if (at === null || line === undefined) return head;
  // keep tabs, so that the caret lines up under what the terminal shows
  const pad = [...line.slice(0, at.column - 1)].map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return `${head}\n  ${line}\n  ${pad}${p.error('^')}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count for people: `512 B`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(1)} ${UNITS[u]}`;
}

/** A count for people: `950`, `12.3K`, `4.56M`. */
export function formatCount(n: number): string {
  if (n < 1e3) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}K`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** A statement's time for `\timing`, always in one format: milliseconds to the microsecond (`6.700 ms`, `1234.500 ms`). */
export function formatTiming(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

/** Elapsed time for people: `850 ms`, `2.3s`, `1m05s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 3 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
