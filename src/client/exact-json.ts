/**
 * JSON text to values with exact integers: an integer that a JavaScript number cannot
 * hold exactly (beyond 2^53-1) becomes a `bigint`, as the u64 values Strata answers
 * with (`SHOW PARTITIONS`, `SELECT`) need. Everything else reads as `JSON.parse` does.
 *
 * @module
 */
import { StrataError } from '../errors.ts';

/**
 * The value of `text`.
 * @throws StrataError `INVALID_INPUT` when `text` is not JSON.
 */
export function parseExactJson(text: string): unknown {
  let i = 0;
  const fail = (): never => {
    throw new StrataError('INVALID_INPUT', `client: the server's answer is not JSON (at offset ${i})`);
  };
  const space = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const k = string();
        space();
        if (text[i++] !== ':') fail();
        o[k] = value();
        space();
        const d = text[i++];
        if (d === '}') return o;
        if (d !== ',') fail();
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        space();
        const d = text[i++];
        if (d === ']') return a;
        if (d !== ',') fail();
      }
    }
    if (c === '"') return string();
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m !== null) {
      i += m[0].length;
      if (m[1] === undefined && m[2] === undefined) {
        const n = Number(m[0]);
        return Number.isSafeInteger(n) ? n : BigInt(m[0]);
      }
      return Number(m[0]);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail();
  };
  const string = (): string => {
    // a JSON string token, read by JSON.parse itself
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  space();
  if (i !== text.length) fail();
  return v;
}
