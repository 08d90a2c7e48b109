/**
 * The console's history, kept per user across sessions in a text file: one entry per
 * line, oldest first. `$STRATA_HISTORY` names the file (empty: no history file);
 * by default it is `~/.strata_history`.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Entries kept, in memory and in the file. */
export const HISTORY_SIZE = 1000;

/** The history file for `env`, or null when history is not kept. */
export function historyPath(env: NodeJS.ProcessEnv): string | null {
  const set = env['STRATA_HISTORY'];
  if (set !== undefined) return set === '' ? null : set;
  return path.join(os.homedir(), '.strata_history');
}

/** The entries of the history file, newest first (as readline takes them); [] if there is none. */
export function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return []; // no history yet, or unreadable: start a new one
  }
  return text.split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_SIZE).reverse();
}

/**
 * Writes `entries` (newest first, as readline keeps them) to the history file, readable
 * by its owner only (mode 0600, an existing file's too: statements may carry keys). Best effort: a history that cannot be written is not an error
 * worth stopping the console for; the reason is returned for a warning.
 */
export function saveHistory(file: string | null, entries: readonly string[]): string | null {
  if (file === null) return null;
  try {
    const lines = entries.slice(0, HISTORY_SIZE).reverse();
    // the mode first: the entries may hold secret keys
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
