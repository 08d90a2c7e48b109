/**
 * The entry points of the language: parse text into statements, and complete it.
 * The lexer and parser are built once, at module load; a parse is one lexer pass and
 * one parser pass. On bad input the only thing thrown is a `StrataError`: `SYNTAX` for
 * the first error in the text, `INTERNAL` for a bug of the grammar.
 *
 * @module
 */
import type { CstNode } from 'chevrotain';
import { StrataError } from '../src/errors.ts';
import type { ParsedStatement, Statement } from './ast.ts';
import { suggest } from './assist.ts';
import { diagnose, endOf, expectedStatement } from './diagnose.ts';
import { firstProblem, syntaxError } from './errors.ts';
import { lex } from './lexer.ts';
import { parser } from './parser.ts';
import { toStatement } from './to-ast.ts';

/** A parsed statement and where it starts. */
interface Located extends ParsedStatement {
  readonly column: number;
}

/** Anything thrown that is not a StrataError is a bug: report it as INTERNAL. */
function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError('INTERNAL', `parse: ${e instanceof Error ? e.message : String(e)} (a bug of the grammar, please report it)`, { cause: e });
  }
}

function parseLocated(text: string): Located[] {
  const { tokens, problem } = lex(text);
  parser.input = tokens;
  const cst = parser.script();
  const error = parser.errors[0];
  const first = firstProblem(problem, error === undefined ? null : diagnose(tokens, error));
  if (first !== null) throw syntaxError(first);
  const nodes = (cst.children['statement'] ?? []) as CstNode[];
  return nodes.map((node) => {
    const loc = node.location;
    const start = loc?.startOffset ?? 0;
    const end = loc?.endOffset ?? text.length - 1;
    return { statement: toStatement(node), text: text.slice(start, end + 1), line: loc?.startLine ?? 1, column: loc?.startColumn ?? 1 };
  });
}

/**
 * Parses `text`: statements separated by `;` (empty statements are skipped, a trailing
 * `;` is fine; no statement gives []). Throws a `SYNTAX` StrataError on the first error,
 * naming line, column, the offending token and what the statement expected there.
 */
export function parse(text: string): ParsedStatement[] {
  return guard(() => parseLocated(text).map(({ statement, text: t, line }) => ({ statement, text: t, line })));
}

/** Parses `text` as exactly one statement (a trailing `;` is fine); else throws `SYNTAX`. */
export function parseOne(text: string): Statement {
  return guard(() => {
    const found = parseLocated(text);
    const [first, second] = found;
    if (first === undefined) throw syntaxError({ ...endOf(lex(text).tokens), message: expectedStatement('end of input') });
    if (second !== undefined) {
      throw syntaxError({ offset: 0, line: second.line, column: second.column, message: `expected one statement, found ${found.length}` });
    }
    return first.statement;
  });
}

/**
 * The keywords that may come next after `text` (everything before the cursor), for
 * tab completion: sorted, uppercase (lowercase when the user types lowercase),
 * completing a word the text ends in. [] when nothing fits. Never throws.
 */
export function complete(text: string): string[] {
  try {
    return suggest(text);
  } catch {
    return [];
  }
}
