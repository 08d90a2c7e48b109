/**
 * Content assist for names: which kinds of existing objects (storages, clouds,
 * settings, partitions) may come next after the text before the cursor. The console
 * completes them from the database; the grammar only says where they fit.
 *
 * @module
 */
import type { IToken, TokenType } from 'chevrotain';
import { lex } from './lexer.ts';
import { parser } from './parser.ts';
import { Identifier, Integer, Name, ObjectName, QuotedIdentifier, Semicolon, SettingName, TierName, keywordByToken } from './tokens.ts';

/** A kind of name that exists in a database and that completion can list. */
export type NameKind = 'storage' | 'cloud' | 'setting' | 'partition' | 'storage_option';

/** What may come next, as names: the kinds, and the word being typed. */
export interface ExpectedNames {
  /** The kinds of names that fit at the cursor, sorted, without repeats; [] for none. */
  readonly kinds: readonly NameKind[];
  /**
   * The word or number the text ends in (no space after it), which a completion
   * replaces: `SHOW STORAGE co` -> `co`, `MOVE PARTITION 30` -> `30`; '' when the text
   * ends in a space or a symbol.
   */
  readonly partial: string;
}

/** Where a name or an integer token names an existing object: `rule.token` -> kind. */
const slots: Readonly<Record<string, NameKind>> = {
  'setStatement.Name': 'setting',
  'showConfig.Name': 'setting',
  'showSettings.SettingName': 'setting',
  'showSettings.Name': 'setting',
  'showStorage.Name': 'storage',
  'showPartitions.Name': 'storage',
  'showPartition.Integer': 'partition',
  'showCloud.Name': 'cloud',
  'alterCloud.ObjectName': 'cloud',
  'dropCloud.ObjectName': 'cloud',
  'alterStorage.ObjectName': 'storage',
  'alterStorage.Name': 'storage_option',
  'dropStorage.ObjectName': 'storage',
  'tier.TierName': 'storage',
  'movePartition.Name': 'storage',
  'movePartition.Integer': 'partition',
  'movePartitions.Name': 'storage',
  'dropPartition.Integer': 'partition',
  'refreshPartition.Integer': 'partition',
  'uploadPartition.Integer': 'partition',
  'downloadPartition.Integer': 'partition',
  'idRange.Integer': 'partition',
};

/** The token types a name slot may be reported as. */
const nameTypes: ReadonlySet<TokenType> = new Set([Name, SettingName, ObjectName, TierName, Integer]);

/** Whether `token` may be the start of a name or an id the user is typing. */
function isPartial(token: IToken): boolean {
  const t = token.tokenType;
  return t === Identifier || t === QuotedIdentifier || t === Integer || keywordByToken.has(t);
}

/** The kind of the name a content-assist path expects, or null when it names nothing existing. */
function kindOf(ruleStack: readonly string[], next: TokenType): NameKind | null {
  if (!nameTypes.has(next)) return null;
  const rule = ruleStack[ruleStack.length - 1] ?? '';
  // an option of CREATE/ALTER STORAGE (name value, ...) is a storage option
  if (rule === 'optionEntry') return ruleStack.includes('createStorage') || ruleStack.includes('alterStorage') ? 'storage_option' : null;
  return slots[`${rule}.${next.name}`] ?? null;
}

/**
 * The kinds of existing names that may come next after `text` (everything before the
 * cursor), and the word being typed. Only the statement after the last `;` counts.
 * `SHOW STORAGE ` -> storage; `MOVE PARTITION ` -> partition; `SET ` -> setting;
 * `CREATE STORAGE ` -> none (a new name). Never throws; nothing fits when the text
 * does not lex.
 */
export function expectedNames(text: string): ExpectedNames {
  const none: ExpectedNames = { kinds: [], partial: '' };
  const { tokens, problem } = lex(text);
  if (problem !== null) return none;
  let start = tokens.length;
  while (start > 0 && tokens[start - 1]?.tokenType !== Semicolon) start--;
  const statement = tokens.slice(start);
  const last = statement[statement.length - 1];
  const partial = last !== undefined && isPartial(last) && (last.endOffset ?? -1) === text.length - 1 ? last.image : '';
  if (partial !== '') statement.pop();
  let paths;
  try {
    paths = parser.computeContentAssist('statement', statement);
  } catch {
    return none;
  }
  const kinds = new Set<NameKind>();
  for (const p of paths) {
    const kind = kindOf(p.ruleStack, p.nextTokenType);
    if (kind !== null) kinds.add(kind);
  }
  return { kinds: [...kinds].sort(), partial };
}
