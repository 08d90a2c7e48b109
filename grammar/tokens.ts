/**
 * The tokens of the DDL. Keywords are case-insensitive and declared before
 * `Identifier` with `longer_alt: Identifier` (so `storages_old` is a name); number
 * literals carry their unit (`10G`, `6h`) and are valued in literals.ts.
 *
 * A keyword is also a name wherever the grammar expects one (`SET interval TO 1d`,
 * `CREATE STORAGE cold`), through the token categories below. A few positions exclude
 * the keywords that would make them ambiguous; there the name must be double-quoted.
 *
 * @module
 */
import { Lexer, createToken, type TokenType } from 'chevrotain';
import { ALL_UNITS } from './literals.ts';

// --- name categories: a keyword belongs to every category that does not exclude it

/** Any name: identifier, quoted identifier or keyword. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'name' });
/** The first name of `SHOW a, b`: not a view word (`SHOW WAL` is the WAL view). */
export const SettingName = createToken({ name: 'SettingName', pattern: Lexer.NA, label: 'name' });
/** A cloud or storage name after `[IF [NOT] EXISTS]`: not `IF`. */
export const ObjectName = createToken({ name: 'ObjectName', pattern: Lexer.NA, label: 'name' });
/** A tier of `ALTER PIPELINE [SET] tier`: not `SET` or `RESET`. */
export const TierName = createToken({ name: 'TierName', pattern: Lexer.NA, label: 'name' });
/** A name used as a value (`SET compression TO zstd`): not `TRUE` or `FALSE`. */
export const ValueName = createToken({ name: 'ValueName', pattern: Lexer.NA, label: 'name' });

const allNameCategories = [Name, SettingName, ObjectName, TierName, ValueName];

/** The words that start a statement, in the order error messages list them. */
export const STATEMENT_WORDS = [
  'SET', 'SHOW', 'CHECKPOINT', 'REBALANCE', 'EXPLAIN', 'CREATE', 'ALTER', 'DROP',
  'MOVE', 'REFRESH', 'UPLOAD', 'DOWNLOAD', 'INSERT', 'DELETE', 'SELECT',
] as const;

/** The words after `SHOW` that name a view rather than a setting. */
export const VIEW_WORDS = [
  'CONFIG', 'ALL', 'STORAGES', 'STORAGE', 'PARTITIONS', 'PARTITION', 'PIPELINE',
  'CLOUDS', 'CLOUD', 'MEMORY', 'WAL', 'OPERATIONS', 'ORPHANS',
] as const;

/** Every keyword of the grammar. */
export const KEYWORDS = [
  ...STATEMENT_WORDS,
  ...VIEW_WORDS,
  'TO', 'IF', 'NOT', 'EXISTS', 'RENAME', 'RESET', 'BETWEEN', 'AND', 'FROM', 'ON',
  'INTO', 'LIMIT', 'TRUE', 'FALSE', 'SIZE', 'EVENTS', 'DURATION', 'INTERVAL', 'DEFAULT',
] as const;

/** A keyword of the grammar, in uppercase. */
export type Keyword = (typeof KEYWORDS)[number];

/** The name categories each keyword is kept out of, to keep a position unambiguous. */
const excluded: Partial<Record<Keyword, readonly TokenType[]>> = {
  IF: [ObjectName],
  SET: [TierName],
  RESET: [TierName],
  TRUE: [ValueName],
  FALSE: [ValueName],
  ...Object.fromEntries(VIEW_WORDS.map((w) => [w, [SettingName]])),
};

/** A plain identifier: `[A-Za-z_][A-Za-z0-9_]*`; the AST holds it in lowercase. */
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: allNameCategories,
  label: 'name',
});

/** A double-quoted identifier: `"any ""escaped"" text"`, kept as written. */
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: /"(?:[^"]|"")+"/,
  line_breaks: true,
  categories: allNameCategories,
  label: 'name',
});

/** The keyword tokens by word: `K.SHOW`. Their token names are the words. */
export const K = Object.fromEntries(
  KEYWORDS.map((word) => {
    const out = excluded[word] ?? [];
    const token = createToken({
      name: word,
      pattern: new RegExp(word, 'i'),
      longer_alt: Identifier,
      categories: allNameCategories.filter((c) => !out.includes(c)),
      label: word,
    });
    return [word, token];
  }),
) as Readonly<Record<Keyword, TokenType>>;

const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const wordEnd = '(?![A-Za-z0-9_])';

/**
 * A number with a unit: digits and a size, count or time unit (`64KiB`, `10G`, `1M`,
 * `2B`, `6h`, `250ms`). What the unit means depends on what the number is given to
 * (literals.ts).
 */
export const Quantity = createToken({
  name: 'Quantity',
  pattern: new RegExp(`\\d+(?:${ALL_UNITS.slice().sort((a, b) => b.length - a.length).join('|')})${wordEnd}`, 'i'),
  start_chars_hint: digits,
  label: 'number with a unit (10G, 1M, 6h)',
});

/** An unsigned 64-bit integer in decimal. */
export const Integer = createToken({
  name: 'Integer',
  pattern: new RegExp(`\\d+${wordEnd}`),
  start_chars_hint: digits,
  label: 'integer',
});

/** Digits followed by letters that are no unit (`10x`): lexed whole, then rejected. */
export const MalformedNumber = createToken({ name: 'MalformedNumber', pattern: /\d+[A-Za-z0-9_]+/, label: 'number' });

/** A string in single quotes: `'it''s'`. */
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /'(?:[^']|'')*'/, line_breaks: true, label: 'string' });

/** `(` */
export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
/** `)` */
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
/** `,` */
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
/** `-` before an integer value (`SET compression_level TO -3`). */
export const Minus = createToken({ name: 'Minus', pattern: '-', label: 'negative integer' });
/** `;` between statements. */
export const Semicolon = createToken({ name: 'Semicolon', pattern: ';', label: "';'" });

/** Spaces, tabs and line breaks: skipped. */
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
/** `-- comment` to the end of the line: skipped. */
export const Comment = createToken({ name: 'Comment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });

/** The keyword tokens, longest word first so that `STORAGES` is tried before `STORAGE`. */
const keywordTokens = KEYWORDS.map((w) => K[w]).sort((a, b) => b.name.length - a.name.length);

/** Every token the lexer produces, in matching order. */
export const lexerTokens: readonly TokenType[] = [
  WhiteSpace, Comment,
  Quantity, Integer, MalformedNumber,
  StringLiteral, QuotedIdentifier, Minus,
  ...keywordTokens, Identifier,
  LParen, RParen, Comma, Semicolon,
];

/** The parser's vocabulary: the lexer's tokens and the name categories. */
export const allTokens: readonly TokenType[] = [...allNameCategories, ...lexerTokens];

/** The keyword tokens, for content assist: a token type is a keyword iff it is in here. */
export const keywordByToken: ReadonlyMap<TokenType, Keyword> = new Map(KEYWORDS.map((w) => [K[w], w]));
