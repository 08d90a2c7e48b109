/**
 * The interactive console: a readline prompt with completion and a history kept
 * across sessions. Statements end at `;` or at the end of a line that holds a
 * complete statement; an incomplete one goes on on the next line (the `...>`
 * prompt). Ctrl-C cancels the statement being typed, or a running statement over
 * several partitions between two of them; Ctrl-D (or `\q`) quits.
 *
 * @module
 */
import * as readline from 'node:readline';
import { completions } from './completion.ts';
import { loadGrammar } from './grammar-loader.ts';
import { renderHelpIndex, renderHelpTopic } from './help.ts';
import { HISTORY_SIZE, loadHistory, saveHistory } from './history.ts';
import { errorLine } from './render.ts';
import { CANCELLABLE, type Runner, runPart } from './runner.ts';

/** The prompt of a new statement. */
export const PROMPT = 'strata> ';
/** The prompt of a line that continues a statement. */
export const CONTINUATION = '   ...> ';

/** What the console needs besides the runner. */
export interface ConsoleOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream & { columns?: number; isTTY?: boolean };
  /** The history file; null: none. */
  readonly historyFile: string | null;
  /** Quits the console as Ctrl-D does (SIGTERM, SIGHUP). */
  readonly signal?: AbortSignal;
}

/** The console's state between lines. */
interface State {
  /** The lines of the statement typed so far, not yet run. */
  buffer: string;
  /** A statement is running. */
  running: boolean;
  /**
   * Counts Ctrl-C presses while statements ran: what was typed before the last one and
   * has not run yet (the rest of its line, lines queued) is dropped.
   */
  epoch: number;
  quitting: boolean;
}

/**
 * Runs the console until Ctrl-D, `\q` or the end of the input. Resolves once the
 * statements already entered have finished; the caller closes the database.
 */
export async function runConsole(r: Runner, o: ConsoleOptions): Promise<void> {
  const state: State = { buffer: '', running: false, epoch: 0, quitting: false };
  const rl = readline.createInterface({
    input: o.input,
    output: o.output,
    // line editing, completion and history need a terminal to draw on
    terminal: o.output.isTTY === true,
    prompt: PROMPT,
    history: loadHistory(o.historyFile),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, done: (err: Error | null, result: [string[], string]) => void) => {
      completions(r.db, state.buffer, line).then((c) => done(null, c), () => done(null, [[], line]));
    },
  });
  let warned = false;
  rl.on('history', (entries: string[]) => {
    const why = saveHistory(o.historyFile, entries);
    if (why !== null && !warned) r.err.write(`${errorLine(`history: cannot write ${o.historyFile}: ${why}`, r.errColour)}\n`);
    warned ||= why !== null;
  });
  rl.on('SIGINT', () => cancel(rl, r, o, state));
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    // one line at a time, in order; a failure is reported and the console goes on; a
    // line typed while a statement ran that Ctrl-C then cancelled is dropped
    const epoch = state.epoch;
    queue = queue
      .then(() => (epoch === state.epoch ? onLine(rl, r, state, line) : undefined))
      .catch((e: unknown) => void r.err.write(`${errorLine(e, r.errColour)}\n`));
  });
  const closed = new Promise<void>((resolve) => rl.once('close', resolve));
  o.signal?.addEventListener('abort', () => rl.close(), { once: true });
  rl.prompt();
  // the prompt is up: load the grammar now (it blocks the event loop for a moment),
  // not at the first statement or Tab; a failure is reported by the first statement
  loadGrammar().catch(() => undefined);
  await closed;
  state.quitting = true;
  await queue;
  o.output.write('\n');
}

/**
 * Ctrl-C: cancel the statement running, between its partitions (a statement over
 * several) and drop what was typed after it; or drop the statement being typed.
 */
function cancel(rl: readline.Interface, r: Runner, o: ConsoleOptions, state: State): void {
  if (state.running) {
    const running = r.current ?? null;
    state.epoch++;
    let text: string;
    // a statement not started yet does not start; one over several partitions stops
    // between two; the others run to their end
    running?.controller.abort();
    if (running !== null && (running.kind === '' || CANCELLABLE.has(running.kind))) {
      text = '^C cancelling: the partition in flight finishes, the others are not started; what was typed after the statement is dropped';
    } else {
      text = '^C this statement cannot be cancelled and runs to its end (acknowledged writes are safe if the process is killed); what was typed after it is dropped';
    }
    if (running?.progress) running.progress.note(r.errColour.dim(text));
    else r.err.write(`\n${r.errColour.dim(text)}\n`);
    return;
  }
  // show ^C at the end of the line, go to a new line, forget the line and the statement
  rl.write(null, { ctrl: true, name: 'e' });
  o.output.write('^C');
  // clearLine (undocumented, what Node's own REPL uses) ends the line and empties it;
  // without it, delete the line as Ctrl-U does and start a new one
  const legacy = rl as unknown as { clearLine?: () => void };
  if (typeof legacy.clearLine === 'function') legacy.clearLine();
  else {
    rl.write(null, { ctrl: true, name: 'u' });
    o.output.write('\n');
  }
  state.buffer = '';
  rl.setPrompt(PROMPT);
  rl.prompt();
}

/**
 * One line typed: a console command (which leaves a statement being typed as it is), or
 * more of a statement, which runs once complete.
 */
async function onLine(rl: readline.Interface, r: Runner, state: State, line: string): Promise<void> {
  if (state.quitting) return;
  const trimmed = line.trim();
  if (trimmed.startsWith('\\') || (state.buffer === '' && /^(quit|exit)$/i.test(trimmed))) {
    if (!command(rl, r, trimmed)) return;
  } else {
    state.buffer = state.buffer === '' ? line : `${state.buffer}\n${line}`;
    await runComplete(r, state);
  }
  if (state.quitting) return;
  rl.setPrompt(state.buffer === '' ? PROMPT : CONTINUATION);
  rl.prompt(true);
}

/**
 * Runs the statements of the buffer that are complete: those ended by `;`, and the
 * last one if the line completed it. An incomplete last statement stays in the buffer.
 * An error drops the rest of the buffer.
 */
async function runComplete(r: Runner, state: State): Promise<void> {
  const { inputState, splitScript } = await loadGrammar();
  const source = state.buffer;
  const parts = splitScript(source);
  const last = parts[parts.length - 1];
  const pending = last !== undefined && !last.terminated && inputState(last.text) === 'incomplete' ? last : null;
  state.buffer = '';
  state.running = true;
  const epoch = state.epoch;
  try {
    for (const part of parts) {
      if (part === pending || state.epoch !== epoch) break;
      if (!(await runPart(r, part, source))) return;
    }
  } finally {
    state.running = false;
  }
  if (pending !== null && state.epoch === epoch) state.buffer = source.slice(pending.offset);
}

/** A switch after `\timing` or `\json`: `on`, `off`, or nothing to flip it. */
function toggle(current: boolean, arg: string): boolean {
  if (arg === '') return !current;
  if (/^on$/i.test(arg)) return true;
  if (/^off$/i.test(arg)) return false;
  throw new Error(`'${arg}' is neither on nor off`);
}

/** A console command (`\help`, `\timing`, `\json`, `\q`). Returns false when the console quits. */
function command(rl: readline.Interface, r: Runner, text: string): boolean {
  const [name = '', ...rest] = text.split(/\s+/);
  const arg = rest.join(' ');
  try {
    switch (name.toLowerCase()) {
      case '\\q':
      case '\\quit':
      case 'quit':
      case 'exit':
        rl.close();
        return false;
      case '\\help':
      case '\\h':
      case '\\?': {
        const width = Math.min(100, r.columns());
        r.out.write(`${arg === '' ? renderHelpIndex(r.outColour) : renderHelpTopic(arg, r.outColour, width)}\n`);
        return true;
      }
      case '\\timing':
        r.timing = toggle(r.timing, arg);
        r.out.write(`timing is ${r.timing ? 'on' : 'off'}\n`);
        return true;
      case '\\json':
        r.json = toggle(r.json, arg);
        r.out.write(`json is ${r.json ? 'on: every result as JSON' : 'off: SELECT and SHOW PARTITIONS, STORAGES, ... as tables'}\n`);
        return true;
      default:
        r.err.write(`${errorLine(`unknown command '${name}'; \\help lists the commands`, r.errColour)}\n`);
        return true;
    }
  } catch (e) {
    r.err.write(`${errorLine(e, r.errColour)}\n`);
    return true;
  }
}
