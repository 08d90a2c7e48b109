/**
 * Content assist for the console's completion: the keywords that may come next after
 * the text before the cursor, from the grammar itself (Chevrotain content assist).
 *
 * @module
 */
import type { IToken } from 'chevrotain';
import { lex } from './lexer.ts';
import { parser } from './parser.ts';
import { Identifier, Semicolon, keywordByToken } from './tokens.ts';

/** Whether `token` is a word (a keyword or a plain identifier), which completion may extend. */
function isWord(token: IToken): boolean {
  return token.tokenType === Identifier || keywordByToken.has(token.tokenType);
}

/**
 * The keywords that may come next after `text` (everything before the cursor), sorted.
 * Only the statement after the last `;` counts. When `text` ends inside a word (no
 * space after it), the keywords that complete that word (`SHOW PART` -> PARTITION,
 * PARTITIONS). Names and numbers are never suggested; [] when nothing fits or the text
 * does not lex. Keywords come in uppercase, or in lowercase when the word being
 * completed, else the last keyword typed, is in lowercase (`show ` -> `all`, `cloud`,
 * ...). Never throws.
 */
export function suggest(text: string): string[] {
  const { tokens, problem } = lex(text);
  if (problem !== null) return [];
  let start = tokens.length;
  while (start > 0 && tokens[start - 1]?.tokenType !== Semicolon) start--;
  const statement = tokens.slice(start);

  // a word touching the end of the text is being typed: complete it
  const last = statement[statement.length - 1];
  const partial = last !== undefined && isWord(last) && (last.endOffset ?? -1) === text.length - 1 ? last.image : '';
  if (partial !== '') statement.pop();

  let paths;
  try {
    paths = parser.computeContentAssist('statement', statement);
  } catch {
    return [];
  }
  const prefix = partial.toUpperCase();
  const words = new Set<string>();
  for (const p of paths) {
    const word = keywordByToken.get(p.nextTokenType);
    if (word !== undefined && word.startsWith(prefix)) words.add(word);
  }
  const lastWord = partial !== '' ? partial : [...statement].reverse().find((t) => keywordByToken.has(t.tokenType))?.image ?? '';
  const lower = lastWord !== '' && lastWord === lastWord.toLowerCase();
  return [...words].sort().map((w) => (lower ? w.toLowerCase() : w));
}
