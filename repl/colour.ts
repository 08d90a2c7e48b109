/**
 * ANSI colours for the console, on only where they help: on a terminal, unless
 * `NO_COLOR` is set (https://no-color.org) or `--no-color` was given. `node:util`
 * `styleText` writes the escape sequences; whether to colour is decided here, per
 * stream (standard output and standard error may differ), so its own check of
 * standard output and of the environment is turned off.
 *
 * @module
 */
import { styleText } from 'node:util';

/** A function that wraps text in one colour (or leaves it as it is). */
export type Paint = (text: string) => string;

/** The colours the console uses, by role. */
export interface Palette {
  readonly enabled: boolean;
  /** JSON object keys, table headers. */
  readonly key: Paint;
  /** JSON strings. */
  readonly string: Paint;
  /** JSON numbers. */
  readonly number: Paint;
  /** JSON `true`, `false`. */
  readonly boolean: Paint;
  /** JSON `null`, hex values, notes. */
  readonly dim: Paint;
  /** Errors and the caret under a syntax error. */
  readonly error: Paint;
  /** `ok`, the prompt. */
  readonly good: Paint;
  /** Titles. */
  readonly bold: Paint;
}

function style(format: Parameters<typeof styleText>[0]): Paint {
  return (text) => styleText(format, text, { validateStream: false });
}

const plain: Paint = (text) => text;

/** The palette: colours when `enabled`, else every role leaves text as it is. */
export function palette(enabled: boolean): Palette {
  if (!enabled) return { enabled, key: plain, string: plain, number: plain, boolean: plain, dim: plain, error: plain, good: plain, bold: plain };
  return {
    enabled,
    key: style('cyan'),
    string: style('green'),
    number: style('yellow'),
    boolean: style('magenta'),
    dim: style('dim'),
    error: style('red'),
    good: style('green'),
    bold: style('bold'),
  };
}

/**
 * Whether output to `stream` should be coloured: it is a terminal, `NO_COLOR` is unset
 * or empty, and colour was not turned off on the command line.
 */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean | null): boolean {
  if (flag !== null) return flag;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true;
}

/** `text` without ANSI escape sequences (for widths, and for tests). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
