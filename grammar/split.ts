/**
 * Where statements end, for the console: split a script at its `;` (not those inside
 * strings, quoted names or comments), and tell whether typed text is a complete
 * statement, one that needs more lines, or an error already.
 *
 * @module
 */
import type { IToken } from 'chevrotain';
import { lex } from './lexer.ts';
import { parser } from './parser.ts';
import { Semicolon } from './tokens.ts';

/** One statement's text in a script. */
export interface ScriptPart {
  /** The text from the statement's first token to its last, without the `;`. */
  readonly text: string;
  /** 0-based offset of `text` in the script. */
  readonly offset: number;
  /** 1-based line of `text`'s first character. */
  readonly line: number;
  /** 1-based column of `text`'s first character. */
  readonly column: number;
  /** Whether a `;` ends it (false for the last statement of a script without one). */
  readonly terminated: boolean;
  /** 0-based offset just past the `;` that ends it, or past `text` when none does. */
  readonly end: number;
}

/**
 * Splits `text` into statements at each `;` outside strings, quoted names and comments.
 * Empty statements (only spaces and comments) are left out. From an unterminated
 * string or quoted name on, the rest of the text is one statement: a `;` in it does not
 * split. Never throws: what does not lex or parse is left for `parse` to report.
 */
export function splitScript(text: string): ScriptPart[] {
  const { tokens, problem } = lex(text);
  const open = problem !== null && isUnterminated(text, problem.offset) ? problem : null;
  const stop = open?.offset ?? text.length;
  const parts: ScriptPart[] = [];
  let first: IToken | null = null; // the current statement's first token
  let end = -1; // offset just past its last token
  const push = (from: { offset: number; line: number; column: number }, to: number, end: number | null): void => {
    const terminated = end !== null;
    parts.push({ text: text.slice(from.offset, to), offset: from.offset, line: from.line, column: from.column, terminated, end: end ?? to });
  };
  for (const t of tokens) {
    if (t.startOffset >= stop) break;
    if (t.tokenType === Semicolon) {
      if (first !== null) push(where(first), end, t.startOffset + 1);
      first = null;
    } else {
      first ??= t;
      end = (t.endOffset ?? t.startOffset) + 1;
    }
  }
  // an unterminated string runs to the end of the text, in the statement it is part of
  if (open !== null) push(first !== null ? where(first) : open, text.length, null);
  else if (first !== null) push(where(first), end, null);
  return parts;
}

/** Where a token starts. */
function where(t: IToken): { offset: number; line: number; column: number } {
  return { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 };
}

/** How typed text stands: nothing, a whole statement, a statement that goes on, an error. */
export type InputState = 'empty' | 'complete' | 'incomplete' | 'error';

/**
 * Whether `text` (one statement, or a script) is empty, complete, incomplete (it ends
 * before the statement does: `SHOW`, `CREATE STORAGE hot (path 'x',`, an unterminated
 * string) or has an error before its end. A complete statement may still go on:
 * `SELECT` is complete, and so is `SELECT LIMIT 5`.
 */
export function inputState(text: string): InputState {
  const { tokens, problem } = lex(text);
  const open = problem !== null && isUnterminated(text, problem.offset) ? problem : null;
  if (problem !== null && open === null) return 'error';
  const before = open !== null ? tokens.filter((t) => t.startOffset < open.offset) : tokens;
  if (open === null && before.every((t) => t.tokenType === Semicolon)) return 'empty';
  parser.input = before;
  parser.script();
  const error = parser.errors[0];
  if (error === undefined) return open !== null ? 'incomplete' : 'complete';
  return error.token.tokenType.name === 'EOF' ? 'incomplete' : 'error';
}

/** Whether the lexing problem at `offset` is a string or quoted name that does not end. */
function isUnterminated(text: string, offset: number): boolean {
  const c = text[offset];
  return c === "'" || (c === '"' && text[offset + 1] !== '"');
}
