/**
 * Runs statements for both faces of the console: each statement of a script is parsed
 * where it stands in its source (so a syntax error names the line and column of the
 * file or of the typed text), run, and its result printed. The interactive console
 * prints `ok`, tables and pretty JSON; scripts print one JSON result per statement.
 *
 * @module
 */
import type { ScriptPart } from '../grammar/index.ts';
import type { Strata } from '../src/index.ts';
import type { Palette } from './colour.ts';
import { loadGrammar } from './grammar-loader.ts';
import { ProgressLine, type ProgressStream, planOf } from './progress.ts';
import { errorLine, formatElapsed, renderError, renderJson } from './render.ts';
import { SHOW_ROWS, selectRows } from './select.ts';
import { renderTable } from './table.ts';

/** Where output goes. */
export interface Sink {
  write(text: string): unknown;
}

/** What the runner needs: the database, where to print, and how. */
export interface Runner {
  readonly db: Strata;
  /** Results (standard output). */
  readonly out: Sink;
  /** Errors (standard error). */
  readonly err: Sink;
  /** Colours for `out` and for `err`. */
  readonly outColour: Palette;
  readonly errColour: Palette;
  /** Interactive: `ok` for null, SELECT as a table, a caret under syntax errors. */
  readonly interactive: boolean;
  /** JSON indented (on a terminal) rather than one line per result. */
  readonly pretty: boolean;
  /** Where the progress line of long statements is drawn; null: none. */
  readonly progress: ProgressStream | null;
  /** Print each statement's elapsed time (`\timing`). */
  timing: boolean;
  /** Width of the terminal, for tables. */
  readonly columns: () => number;
}

/**
 * The statement text of `part` with the `;` that ends it, placed at its line and column
 * so that a syntax error in it names the position (and the token) in the whole source.
 */
function placed(part: ScriptPart, source: string): string {
  return '\n'.repeat(part.line - 1) + ' '.repeat(part.column - 1) + source.slice(part.offset, part.end);
}

/**
 * Runs one statement of `source` (a part from `splitScript(source)`) and prints its
 * result, or its error on `err`. Returns false when it failed. Never throws.
 */
export async function runPart(r: Runner, part: ScriptPart, source: string): Promise<boolean> {
  let statements;
  try {
    const { parse } = await loadGrammar();
    statements = parse(placed(part, source));
  } catch (e) {
    r.err.write(`${r.interactive ? renderError(e, source, r.errColour) : errorLine(e, r.errColour)}\n`);
    return false;
  }
  for (const s of statements) {
    const plan = r.progress === null ? null : await planOf(r.db, s.statement);
    const progress = r.progress === null ? null : new ProgressLine(r.progress, () => r.db.operations.list(), s.text, r.errColour, plan);
    const started = performance.now();
    progress?.start();
    let text: string;
    try {
      if (r.interactive && s.statement.kind === 'select') {
        const { rows, more } = await selectRows(r.db, s.statement);
        const note = more ? `\n${r.outColour.dim(`(the first ${SHOW_ROWS} rows; LIMIT n or FROM/TO show others)`)}` : '';
        text = renderTable(rows, r.columns(), r.outColour) + note;
      } else {
        const result = await r.db.execute(s.text);
        text = r.interactive && result === null ? r.outColour.good('ok') : renderJson(result, r.pretty, r.outColour, r.columns());
      }
    } catch (e) {
      progress?.stop();
      r.err.write(`${errorLine(e, r.errColour)}\n`);
      return false;
    }
    progress?.stop();
    r.out.write(`${text}\n`);
    if (r.timing) r.out.write(`${r.outColour.dim(`time: ${formatElapsed(performance.now() - started)}`)}\n`);
  }
  return true;
}

/**
 * Runs every statement of `source` in order. Stops at the first that fails, unless
 * `continueOnError`. Returns whether all succeeded.
 */
export async function runScript(r: Runner, source: string, continueOnError: boolean): Promise<boolean> {
  const { splitScript } = await loadGrammar();
  let ok = true;
  for (const part of splitScript(source)) {
    if (await runPart(r, part, source)) continue;
    ok = false;
    if (!continueOnError) break;
  }
  return ok;
}
