/**
 * The lexer: text to tokens, built once. Besides characters that start no token, it
 * rejects number literals with an unknown unit (`10x`) and literals above 2^64 - 1
 * (a number with a unit: whatever its unit means).
 *
 * @module
 */
import { Lexer, type IToken } from 'chevrotain';
import { firstProblem, quote, type Problem } from './errors.ts';
import { U64_MAX, quantityValue, splitNumber, unitKinds } from './literals.ts';
import { Integer, MalformedNumber, Quantity, lexerTokens } from './tokens.ts';

const lexer = new Lexer([...lexerTokens], { ensureOptimizations: true, positionTracking: 'full' });

/** The tokens of a text, and its first lexical problem (null if none). */
export interface Lexed {
  /** The tokens, without the text a problem covers. */
  readonly tokens: IToken[];
  /** The earliest problem, or null when the whole text lexed. */
  readonly problem: Problem | null;
}

function at(token: IToken, message: string): Problem {
  return { offset: token.startOffset, line: token.startLine ?? 1, column: token.startColumn ?? 1, message };
}

/** What is wrong at a character no token starts with. */
function badCharacter(text: string, offset: number): string {
  const c = text[offset] ?? '';
  if (c === "'") return "unterminated string: a string ends with ' (write '' for a quote inside)";
  if (c === '"') {
    return text[offset + 1] === '"'
      ? 'empty quoted identifier ""'
      : 'unterminated quoted identifier: it ends with " (write "" for a quote inside)';
  }
  return `unexpected character ${quote(String.fromCodePoint(text.codePointAt(offset) ?? 0))}`;
}

/** Checks one token: a malformed number or a literal out of range is a problem. */
function checkToken(token: IToken): Problem | null {
  if (token.tokenType === MalformedNumber) {
    return at(
      token,
      `malformed number ${quote(token.image)}: sizes take K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB or TiB; counts take K, M or B; ` +
        'durations take us, ms, s, sec, min, h, hour(s), d, day(s), w or week(s)',
    );
  }
  if (token.tokenType === Integer) return BigInt(token.image) <= U64_MAX ? null : at(token, `integer ${token.image} is out of range (at most ${U64_MAX})`);
  if (token.tokenType !== Quantity) return null;
  // out of range whatever the unit means (the executor checks the meaning it takes)
  const q = splitNumber(token.image);
  const fits = unitKinds(q.unit).some((k) => (quantityValue(q, k) ?? U64_MAX + 1n) <= U64_MAX);
  return fits ? null : at(token, `number ${token.image} is out of range (at most ${U64_MAX} once valued)`);
}

/** Splits `text` into tokens; never throws. */
export function lex(text: string): Lexed {
  const result = lexer.tokenize(text);
  const lexProblem = result.errors[0];
  const first: Problem | null =
    lexProblem === undefined
      ? null
      : { offset: lexProblem.offset, line: lexProblem.line ?? 1, column: lexProblem.column ?? 1, message: badCharacter(text, lexProblem.offset) };
  let tokenProblem: Problem | null = null;
  for (const token of result.tokens) {
    tokenProblem = checkToken(token);
    if (tokenProblem !== null) break;
  }
  return { tokens: result.tokens, problem: firstProblem(first, tokenProblem) };
}
