/**
 * Tab completion: keywords from the grammar's content assist (`complete`), then the
 * names that exist where the grammar expects one (`expectedNames`): storages, clouds,
 * settings, storage options and partition ids, read from the database with `SHOW`.
 * At the start of a line, the console's own commands (`\help`, `\timing`, `\json`, `\q`).
 *
 * @module
 */
import type { NameKind } from '../grammar/index.ts';
import type { Strata } from '../src/index.ts';
import { loadGrammar } from './grammar-loader.ts';
import { helpIndex, keywordsOf } from './help.ts';

/** The console's commands, as completion offers them. */
export const META_WORDS = ['\\help', '\\timing', '\\json', '\\q'];

/** A name as it must be typed: unquoted when it is a plain lowercase identifier, else quoted. */
export function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The names of one kind that exist in `db`. Never throws: [] when they cannot be read. */
export async function namesOf(db: Strata, kind: NameKind): Promise<string[]> {
  try {
    switch (kind) {
      case 'storage':
        return ((await db.execute('SHOW STORAGES')) as { name: string }[]).map((s) => quoteName(s.name));
      case 'cloud':
        return ((await db.execute('SHOW CLOUDS')) as { name: string }[]).map((c) => quoteName(c.name));
      case 'setting':
        return Object.keys((await db.execute('SHOW CONFIG')) as object);
      case 'storage_option':
        return Object.keys(((await db.execute('SHOW STORAGE main')) as { config: object }).config).filter((o) => o !== 'uuid');
      case 'partition':
        return ((await db.execute('SHOW PARTITIONS')) as { min: bigint }[]).map((p) => p.min.toString());
    }
  } catch {
    return [];
  }
}

/** The candidates for `\help ...`: the statement keywords of docs/sql. */
function helpWords(partial: string): string[] {
  const words = new Set<string>();
  for (const e of helpIndex()) for (const s of e.statements) words.add(keywordsOf(s).join(' ').replace(/\(S\)/g, ''));
  const upper = partial.toUpperCase();
  return [...words].filter((w) => w !== '' && w.startsWith(upper)).sort();
}

/**
 * The completions of `line` (the text before the cursor; `before` is the statement's
 * earlier lines, if it spans several) and the part of the line they replace, as
 * readline's completer answers. A single completion gets a space after it.
 */
export async function completions(db: Strata, before: string, line: string): Promise<[string[], string]> {
  if (before === '' && line.trimStart().startsWith('\\')) {
    const m = /^\s*\\help\s+(.*)$/.exec(line);
    if (m !== null) return [finish(helpWords(m[1]!)), m[1]!];
    const word = line.trimStart();
    return [finish(META_WORDS.filter((w) => w.startsWith(word))), word];
  }
  const { complete, expectedNames } = await loadGrammar();
  const text = before === '' ? line : `${before}\n${line}`;
  const { kinds, partial } = expectedNames(text);
  // keywords complete a word, never a number being typed
  const keywords = /^\d/.test(partial) ? [] : complete(text);
  const lower = partial.toLowerCase();
  const names: string[] = [];
  // a quoted name matches by its text: `co` finds "Cold Archive"
  const unquoted = (name: string): string => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name).toLowerCase();
  for (const kind of kinds) for (const n of await namesOf(db, kind)) if (unquoted(n).startsWith(lower)) names.push(n);
  const all = [...new Set([...keywords, ...names.sort(byNumberOrText)])];
  return [finish(all), partial];
}

/** Numbers by value, then names. */
function byNumberOrText(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return na ? -1 : nb ? 1 : a.localeCompare(b);
}

/** A lone completion gets a space after it, so that the next word can be typed at once. */
function finish(words: string[]): string[] {
  return words.length === 1 ? [`${words[0]} `] : words;
}
