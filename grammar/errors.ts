/**
 * Syntax errors: where they are, how they read, and the message provider the parser
 * uses. Every error of the language becomes a `StrataError` with code `SYNTAX` and a
 * message `syntax error at line L, column C: unexpected 'X'; expected Y in USAGE`.
 *
 * @module
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { StrataError } from '../src/errors.ts';

/** A syntax problem at a place in the text. */
export interface Problem {
  /** 0-based offset of the offending text. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** What is wrong, without the position (`unexpected 'FOO'; expected INTO in ...`). */
  readonly message: string;
}

/** The `SYNTAX` error for `problem`. Never retryable. */
export function syntaxError(problem: Problem): StrataError {
  return new StrataError('SYNTAX', `syntax error at line ${problem.line}, column ${problem.column}: ${problem.message}`);
}

/** The earliest of some problems (by offset), or null. */
export function firstProblem(...problems: (Problem | null)[]): Problem | null {
  let first: Problem | null = null;
  for (const p of problems) if (p !== null && (first === null || p.offset < first.offset)) first = p;
  return first;
}

const MAX_QUOTED = 40;

/** A piece of source text quoted for a message: `'FOO'`, shortened and on one line. */
export function quote(text: string): string {
  const oneLine = text.replace(/\r?\n|\r/g, '\\n');
  return `'${oneLine.length > MAX_QUOTED ? `${oneLine.slice(0, MAX_QUOTED - 3)}...` : oneLine}'`;
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** How a token type reads in "expected ...": its label (`INTO`, `name`, `integer`, `'('`). */
export function tokenLabel(type: TokenType): string {
  return type.LABEL ?? type.name;
}

/** The offending token as the message quotes it: `'FOO'` or `end of input`. */
export function describeToken(token: IToken): string {
  return token.tokenType.name === 'EOF' ? 'end of input' : quote(token.image);
}

/** The distinct labels of the first token of each path. */
function pathLabels(paths: readonly (readonly TokenType[])[]): string[] {
  const labels = paths.map((p) => p.map(tokenLabel).join(' ')).filter((l) => l !== '');
  return [...new Set(labels)];
}

/**
 * The parser's messages: `unexpected 'X'; expected Y`. The API replaces the expected
 * part with a complete one (content assist over the statement so far) and adds the
 * statement's usage; these are the fallback when that analysis finds nothing.
 */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `unexpected ${describeToken(actual)}; expected ${tokenLabel(expected)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeToken(firstRedundant)}; expected ';' or end of input`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) =>
    `unexpected ${actual[0] === undefined ? 'end of input' : describeToken(actual[0])}; expected ${orList(pathLabels(expectedPathsPerAlt.flat()))}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
    `unexpected ${actual[0] === undefined ? 'end of input' : describeToken(actual[0])}; expected ${orList(pathLabels(expectedIterationPaths))}`,
};
