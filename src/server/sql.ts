/**
 * `POST /v1/sql`: the statements of a body, run one after the other as the console
 * runs a script; the answer lists each statement with its result (the JSON the console
 * prints), or stops at the first failure with its code, message and position.
 *
 * @module
 */
import type * as Grammar from '../../grammar/index.ts';
import type { Strata } from '../index.ts';
import { describe } from './http-errors.ts';

/** One statement run: its text (trimmed, without the `;`) and its result. */
export interface SqlResult {
  readonly statement: string;
  readonly result: unknown;
}

/** What a body of statements did: every result, and the failure that stopped it. */
export interface SqlOutcome {
  readonly results: SqlResult[];
  readonly error: { code: string; message: string; statement: string; line: number; column: number } | null;
}

/** The grammar (chevrotain), loaded with the first statement. */
let grammar: Promise<typeof Grammar> | null = null;

/** Runs the statements of `text`; never throws (a failure is in the outcome). */
export async function runSql(db: Strata, text: string): Promise<SqlOutcome> {
  const { splitScript } = await (grammar ??= import('../../grammar/index.ts'));
  const results: SqlResult[] = [];
  for (const part of splitScript(text)) {
    const statement = text.slice(part.offset, part.end).replace(/;\s*$/, '').trim();
    try {
      // placed where it is in the body, so that a syntax error's line and column are the body's
      const placed = '\n'.repeat(part.line - 1) + ' '.repeat(part.column - 1) + text.slice(part.offset, part.end);
      results.push({ statement, result: await db.execute(placed) });
    } catch (e) {
      const { code, message } = describe(e);
      const at = /at line (\d+), column (\d+)/.exec(message);
      const line = at === null ? part.line : Number(at[1]);
      const column = at === null ? part.column : Number(at[2]);
      return { results, error: { code, message, statement, line, column } };
    }
  }
  return { results, error: null };
}
