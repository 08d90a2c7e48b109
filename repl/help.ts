/**
 * `\help`: the statement reference, read at run time from the same pages as the
 * documentation, `docs/sql/`: the list of statements is the table of
 * `docs/sql/README.md`, and `\help MOVE` shows the title, first paragraph and syntax
 * block of the page the table links for `MOVE`. There is no second copy to drift.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StrataError } from '../src/index.ts';
import type { Palette } from './colour.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The folder of the statement reference (`docs/sql/` of this package). */
export const DOCS_SQL = fileURLToPath(new URL('docs/sql/', PACKAGE_ROOT));

/** A row of the statement table of docs/sql/README.md. */
export interface HelpEntry {
  /** The statement forms the row lists, without backticks: `MOVE PARTITION`, ... */
  readonly statements: readonly string[];
  /** The page's file name: `move-partition.md`. */
  readonly page: string;
  /** What runs in this release: `runs`, or what does not. */
  readonly status: string;
}

/** What `\help` shows of one page. */
export interface HelpPage {
  readonly page: string;
  /** The page title: `MOVE PARTITION, MOVE PARTITIONS`. */
  readonly title: string;
  /** The first paragraph, as plain text (links and code marks taken out). */
  readonly summary: string;
  /** The lines of the page's syntax block (those about the topic asked for). */
  readonly syntax: readonly string[];
  readonly status: string;
}

function read(dir: string, file: string): string {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch (e) {
    throw new StrataError('IO', `help: cannot read ${path.join(dir, file)}: ${e instanceof Error ? e.message : String(e)}; is the package complete?`, { cause: e });
  }
}

const ROW = /^\|\s*(`.+?)\s*\|\s*\[[^\]]*\]\(([^)#]+)\)\s*\|\s*(.*?)\s*\|\s*$/;

/** The statement table of docs/sql/README.md, in its order. */
export function helpIndex(dir = DOCS_SQL): HelpEntry[] {
  const entries: HelpEntry[] = [];
  for (const line of read(dir, 'README.md').split('\n')) {
    const m = ROW.exec(line);
    if (m === null) continue;
    const statements = [...m[1]!.matchAll(/`([^`]+)`/g)].map((s) => s[1]!);
    entries.push({ statements, page: m[2]!, status: plainText(m[3]!) });
  }
  return entries;
}

/**
 * The leading keywords of a statement form or syntax line: `[EXPLAIN] REBALANCE` ->
 * EXPLAIN, REBALANCE; `UPLOAD PARTITION(S)` -> UPLOAD, PARTITION(S).
 */
export function keywordsOf(form: string): string[] {
  const words: string[] = [];
  for (const word of form.replace(/\[([A-Z]+)\]/g, '$1').split(/\s+/)) {
    if (!/^[A-Z]+(\(S\))?$/.test(word)) break;
    words.push(word);
  }
  return words;
}

/** Whether two keywords are the same; `PARTITION(S)` is both `PARTITION` and `PARTITIONS`. */
export function sameWord(a: string, b: string): boolean {
  const forms = (w: string): string[] => (w.endsWith('(S)') ? [w.slice(0, -3), `${w.slice(0, -3)}S`] : [w]);
  return forms(a).some((x) => forms(b).includes(x));
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= words.length && prefix.every((w, i) => sameWord(words[i]!, w));
}

/**
 * The items about `topic`: those whose keywords start with the topic's (`MOVE` ->
 * `MOVE PARTITION`, `MOVE PARTITIONS`), else those whose keywords the topic starts
 * with, the longest only (`SHOW STORAGE x` -> `SHOW STORAGE`, not `SHOW`), else none.
 */
function about<T>(items: readonly T[], topic: readonly string[], forms: (item: T) => readonly string[]): T[] {
  const narrow = items.filter((it) => forms(it).some((f) => startsWith(keywordsOf(f), topic)));
  if (narrow.length > 0) return narrow;
  const depth = (it: T): number => Math.max(0, ...forms(it).map(keywordsOf).filter((k) => startsWith(topic, k)).map((k) => k.length));
  const best = Math.max(0, ...items.map(depth));
  return best === 0 ? [] : items.filter((it) => depth(it) === best);
}

/** The help of `topic` (`MOVE`, `create storage`): one entry per page about it; [] when none is. */
export function helpTopic(topic: string, dir = DOCS_SQL): HelpPage[] {
  const words = topic.trim().toUpperCase().split(/\s+/).filter((w) => w !== '');
  const entries = about(helpIndex(dir), words, (e) => e.statements);
  const pages = [...new Map(entries.map((e) => [e.page, e])).values()];
  return pages.map((e) => {
    const page = parsePage(read(dir, e.page));
    const syntax = about(page.syntax, words, (l) => [l]);
    return { page: e.page, title: page.title, summary: page.summary, syntax: syntax.length > 0 ? syntax : page.syntax, status: e.status };
  });
}

/** The title, first paragraph and syntax block of a page of docs/sql. */
export function parsePage(text: string): { title: string; summary: string; syntax: string[] } {
  const lines = text.split('\n');
  const h1 = lines.findIndex((l) => l.startsWith('# '));
  const title = h1 < 0 ? '' : lines[h1]!.slice(2).trim();
  let i = h1 + 1;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const paragraph: string[] = [];
  while (i < lines.length && lines[i]!.trim() !== '' && !lines[i]!.startsWith('#')) paragraph.push(lines[i++]!.trim());
  const syntax: string[] = [];
  const heading = lines.findIndex((l) => /^## Syntax\s*$/.test(l));
  if (heading >= 0) {
    let j = lines.findIndex((l, k) => k > heading && l.startsWith('```'));
    while (j >= 0 && ++j < lines.length && !lines[j]!.startsWith('```')) if (lines[j]!.trim() !== '') syntax.push(lines[j]!.trim());
  }
  return { title, summary: plainText(paragraph.join(' ')), syntax };
}

/** Markdown inline marks taken out: links keep their text, code and bold marks go. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1');
}

/** `text` wrapped at spaces to lines of at most `width` characters, each indented. */
export function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

/** The console's own commands, for `\help`. */
export const META_COMMANDS: readonly (readonly [string, string])[] = [
  ['\\help [NAME]', 'this list, or the syntax and summary of a statement (\\help MOVE, \\help CREATE STORAGE)'],
  ['\\timing [on|off]', 'show the time each statement takes'],
  ['\\json [on|off]', 'every result as exact JSON (SELECT and SHOW PARTITIONS, STORAGES, ... are tables otherwise)'],
  ['\\q', 'quit (also Ctrl-D, quit, exit)'],
];

/** What `\help` prints: the statements of docs/sql, then the console's commands and keys. */
export function renderHelpIndex(p: Palette, dir = DOCS_SQL): string {
  const out = [p.bold('Statements') + p.dim(' (end them with ; or a new line; \\help NAME for one of them)')];
  for (const e of helpIndex(dir)) {
    const note = e.status === 'runs' ? '' : p.dim(`  [${e.status}]`);
    out.push(`  ${e.statements.join(', ')}${note}`);
  }
  out.push('', p.bold('Console commands'));
  for (const [cmd, what] of META_COMMANDS) out.push(`  ${cmd.padEnd(18)} ${what}`);
  out.push('', p.bold('Keys') + '  Tab completes, Up/Down recall history, Ctrl-C cancels the line, Ctrl-D quits');
  return out.join('\n');
}

/** What `\help topic` prints, or a pointer to `\help` when no statement matches. */
export function renderHelpTopic(topic: string, p: Palette, width: number, dir = DOCS_SQL): string {
  const pages = helpTopic(topic, dir);
  if (pages.length === 0) return `no statement '${topic}'; \\help lists them`;
  return pages
    .map((page) => {
      const status = page.status === 'runs' ? '' : `\n${wrap(`In this release: ${page.status}.`, width, '  ')}`;
      return [
        p.bold(page.title),
        wrap(page.summary, width, '  ') + status,
        '',
        ...page.syntax.map((l) => `  ${p.key(l)}`),
        '',
        p.dim(`  more: docs/sql/${page.page}`),
      ].join('\n');
    })
    .join('\n\n');
}
