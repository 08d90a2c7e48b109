/**
 * `\help` reads docs/sql at run time. These tests fail when the two drift apart: a
 * statement of the grammar that no page's syntax block shows, a page the console can
 * no longer read (title, summary, syntax), or a table row that lost its page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parser } from '../../grammar/parser.ts';
import { STATEMENT_WORDS } from '../../grammar/tokens.ts';
import { usageOf } from '../../grammar/usage.ts';
import { palette, stripAnsi } from '../../repl/colour.ts';
import { DOCS_SQL, helpIndex, helpTopic, keywordsOf, parsePage, renderHelpIndex, renderHelpTopic, sameWord } from '../../repl/help.ts';
import { tempDir } from './helpers.ts';

/** Every statement form of the grammar's usage lines: `MOVE PARTITION [IF EXISTS] id INTO storage`, ... */
function grammarForms(): string[] {
  const forms = new Set<string>();
  for (const rule of Object.keys(parser.getGAstProductions())) {
    const usage = usageOf(rule);
    if (usage === undefined) continue;
    // split the alternatives of a family at the top level (not inside {a | b} or [a | b])
    let depth = 0;
    let start = 0;
    for (let i = 0; i < usage.length; i++) {
      const c = usage[i];
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      else if (depth === 0 && usage.startsWith(' | ', i)) {
        forms.add(usage.slice(start, i));
        start = i + 3;
      }
    }
    forms.add(usage.slice(start));
  }
  return [...forms];
}

describe('\\help and docs/sql', () => {
  test('the statement table lists pages that exist, each with a title, a summary and a syntax block', () => {
    const entries = helpIndex();
    expect(entries.length).toBeGreaterThanOrEqual(15);
    for (const e of entries) {
      expect(fs.existsSync(path.join(DOCS_SQL, e.page)), e.page).toBe(true);
      const page = parsePage(fs.readFileSync(path.join(DOCS_SQL, e.page), 'utf8'));
      expect(page.title, e.page).not.toBe('');
      expect(page.summary.length, e.page).toBeGreaterThan(20);
      expect(page.syntax.length, e.page).toBeGreaterThan(0);
    }
  });

  test('every statement word has help', () => {
    for (const word of STATEMENT_WORDS) {
      const pages = helpTopic(word);
      expect(pages.length, word).toBeGreaterThan(0);
      for (const p of pages) expect(p.syntax.some((l) => keywordsOf(l).includes(word)), `${word} in ${p.page}`).toBe(true);
    }
  });

  test('every statement form of the grammar is in the syntax block that \\help shows for it', () => {
    const forms = grammarForms();
    expect(forms.length).toBeGreaterThan(30);
    for (const form of forms) {
      const words = keywordsOf(form);
      const shown = helpTopic(words.join(' ')).flatMap((p) => p.syntax.map(keywordsOf));
      expect(shown.some((w) => words.every((word, i) => w[i] !== undefined && sameWord(w[i], word))), `'${form}' (${words.join(' ')})`).toBe(true);
    }
  });

  test('\\help MOVE: the page title, its first paragraph and its syntax block', () => {
    const [page, ...others] = helpTopic('move');
    expect(others).toEqual([]);
    const text = fs.readFileSync(path.join(DOCS_SQL, 'move-partition.md'), 'utf8');
    const block = /## Syntax\n\n```sql\n([\s\S]*?)```/.exec(text)![1]!.trim().split('\n');
    expect(page).toEqual({
      page: 'move-partition.md',
      title: 'MOVE PARTITION, MOVE PARTITIONS',
      summary: expect.stringMatching(/^Moves partitions to another storage: .* Reads and writes go on meanwhile\. REBALANCE moves partitions the same way\.$/),
      syntax: block,
      status: 'runs',
    });
  });

  test('a narrower topic shows the lines about it; a page with several statements is named once', () => {
    expect(helpTopic('ALTER STORAGE').map((p) => [p.page, p.syntax])).toEqual([
      [
        'storage.md',
        [
          'ALTER STORAGE [IF EXISTS] name RENAME TO new',
          'ALTER STORAGE [IF EXISTS] name SET (options)',
          'ALTER STORAGE [IF EXISTS] name SET option TO value',
        ],
      ],
    ]);
    expect(helpTopic('create').map((p) => p.page).sort()).toEqual(['cloud.md', 'create-partition.md', 'storage.md']);
    expect(helpTopic('SHOW STORAGE hot').map((p) => p.syntax)).toEqual([['SHOW STORAGE name']]);
    expect(helpTopic('EXPLAIN').map((p) => p.syntax)).toEqual([['EXPLAIN REBALANCE']]);
    expect(helpTopic('FROBNICATE')).toEqual([]);
  });

  test('a statement that does not run in this release says so, from the table', () => {
    const { dir, cleanup } = tempDir();
    try {
      fs.writeFileSync(
        path.join(dir, 'README.md'),
        '| statement | page | in this release |\n|---|---|---|\n| `FROB THING`, `FROB THINGS` | [frob.md](frob.md) | parses; `NOT_SUPPORTED` |\n',
      );
      fs.writeFileSync(path.join(dir, 'frob.md'), '# FROB\n\nFrobs [things](x.md).\n\n## Syntax\n\n```sql\nFROB THING id\nFROB THINGS a b\n```\n');
      expect(helpTopic('frob things', dir)).toEqual([{ page: 'frob.md', title: 'FROB', summary: 'Frobs things.', syntax: ['FROB THINGS a b'], status: 'parses; NOT_SUPPORTED' }]);
      expect(stripAnsi(renderHelpTopic('FROB', palette(true), 80, dir))).toBe(
        'FROB\n  Frobs things.\n  In this release: parses; NOT_SUPPORTED.\n\n  FROB THING id\n  FROB THINGS a b\n\n  more: docs/sql/frob.md',
      );
      expect(stripAnsi(renderHelpIndex(palette(true), dir))).toContain('  FROB THING, FROB THINGS  [parses; NOT_SUPPORTED]');
    } finally {
      cleanup();
    }
  });

  test('what the console prints', () => {
    const index = stripAnsi(renderHelpIndex(palette(true)));
    for (const e of helpIndex()) expect(index).toContain(e.statements.join(', '));
    expect(index).toContain('\\timing');
    expect(stripAnsi(renderHelpTopic('select', palette(true), 80))).toMatch(/^SELECT\n {2}Reads events in order\.[\s\S]*\n {2}SELECT \[FROM id\] \[TO id\] \[LIMIT n\]\n\n {2}more: docs\/sql\/select\.md$/);
    expect(renderHelpTopic('nope', palette(false), 80)).toBe("no statement 'nope'; \\help lists them");
  });
});
