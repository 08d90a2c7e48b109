/**
 * Runs statements for both faces of the console: each statement of a script is parsed
 * where it stands in its source (so a syntax error names the line and column of the
 * file or of the typed text), run, and its result printed. The interactive console
 * prints `ok`, tables (SELECT and the SHOW views of show-tables.ts; all JSON after
 * `\json`) and pretty JSON; scripts print one JSON result per statement.
 *
 * @module
 */
import type { ScriptPart } from '../grammar/index.ts';
import type { Strata } from '../src/index.ts';
import type { Palette } from './colour.ts';
import { loadGrammar } from './grammar-loader.ts';
import { ProgressLine, type ProgressStream, planOf } from './progress.ts';
import { errorLine, formatTiming, renderError, renderJson } from './render.ts';
import { SHOW_ROWS, selectRows } from './select.ts';
import { isTableView, renderView } from './show-tables.ts';
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
  /**
   * Interactive only: print every result as JSON, `SELECT` and the views that are
   * otherwise tables included (`\json`).
   */
  json: boolean;
  /** Width of the terminal, for tables. */
  readonly columns: () => number;
  /** The statement running now, which Ctrl-C may cancel; null between statements. */
  current?: Running | null;
}

/** A statement while it runs. */
export interface Running {
  /** Its kind (`move_partitions`); '' while it is parsed. */
  readonly kind: string;
  /**
   * Cancels it: before it starts, or between partitions (a statement over several);
   * other statements run to their end.
   */
  readonly controller: AbortController;
  /** Its progress line, if one is drawn. */
  readonly progress: ProgressLine | null;
}

/** The statements that Ctrl-C cancels between partitions: those over several. */
export const CANCELLABLE = new Set(['move_partitions', 'refresh_partitions', 'upload_partitions', 'download_partitions', 'drop_partitions', 'rebalance']);

/**
 * The statement text of `part` with the `;` that ends it, placed at its line and column
 * so that a syntax error in it names the position (and the token) in the whole source.
 */
function placed(part: ScriptPart, source: string): string {
  return '\n'.repeat(part.line - 1) + ' '.repeat(part.column - 1) + source.slice(part.offset, part.end);
}

/** A result as the console prints it: `ok`, a table (the views of show-tables.ts), or JSON. */
function renderResult(r: Runner, kind: string, result: unknown): string {
  if (r.interactive && result === null) return r.outColour.good('ok');
  const table = r.interactive && !r.json && isTableView(kind) ? renderView(kind, result, r.columns(), r.outColour) : null;
  return table ?? renderJson(result, r.pretty, r.outColour, r.columns());
}

/**
 * Runs one statement of `source` (a part from `splitScript(source)`) and prints its
 * result, or its error on `err`. Returns false when it failed. Never throws.
 */
export async function runPart(r: Runner, part: ScriptPart, source: string): Promise<boolean> {
  // Ctrl-C from here on finds the statement, while it is parsed and planned too (its
  // kind not known yet: '')
  const controller = new AbortController();
  r.current = { kind: '', controller, progress: null };
  try {
    return await runStatements(r, part, source, controller);
  } finally {
    r.current = null;
  }
}

async function runStatements(r: Runner, part: ScriptPart, source: string, controller: AbortController): Promise<boolean> {
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
    r.current = { kind: s.statement.kind, controller, progress };
    progress?.start();
    let text: string;
    try {
      if (r.interactive && !r.json && s.statement.kind === 'select') {
        const { rows, more } = await selectRows(r.db, s.statement);
        const note = more ? `\n${r.outColour.dim(`(the first ${SHOW_ROWS} rows; LIMIT n or FROM/TO show others)`)}` : '';
        text = renderTable(rows, r.columns(), r.outColour) + note;
      } else {
        text = renderResult(r, s.statement.kind, await r.db.execute(s.text, { signal: controller.signal }));
      }
    } catch (e) {
      progress?.stop();
      r.err.write(`${errorLine(e, r.errColour)}\n`);
      return false;
    }
    progress?.stop();
    r.out.write(`${text}\n`);
    if (r.timing) r.out.write(`${r.outColour.dim(`time: ${formatTiming(performance.now() - started)}`)}\n`);
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
