/**
 * Turns a parser error into a message in the statement's own terms. What was
 * expected comes from content assist over the statement so far (complete, unlike the
 * parser's single expected token), and the usage from the rules those expectations
 * sit in: `unexpected 'FOO'; expected INTO in MOVE PARTITION [IF EXISTS] id INTO storage`.
 *
 * @module
 */
import { tokenMatcher, type IRecognitionException, type ISyntacticContentAssistPath, type IToken } from 'chevrotain';
import { describeToken, orList, tokenLabel, type Problem } from './errors.ts';
import { parser } from './parser.ts';
import { Comma, STATEMENT_WORDS, Semicolon } from './tokens.ts';
import { usageOfStack } from './usage.ts';

/** `unexpected X; expected a statement: SET, SHOW, ... or SELECT`. */
export function expectedStatement(unexpected: string): string {
  return `unexpected ${unexpected}; expected a statement: ${orList(STATEMENT_WORDS)}`;
}

/**
 * Where "end of input" is reported: just after the last token, or 1:1. Its offset is
 * past every character, so that a lexing problem anywhere comes first.
 */
export function endOf(tokens: readonly IToken[]): Omit<Problem, 'message'> {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return { offset: Number.MAX_SAFE_INTEGER, line: 1, column: 1 };
  return { offset: Number.MAX_SAFE_INTEGER, line: last.endLine ?? 1, column: (last.endColumn ?? 0) + 1 };
}

/** Content assist for `tokens` as the start of a script; [] if it cannot tell. */
function assist(tokens: IToken[]): ISyntacticContentAssistPath[] {
  try {
    return parser.computeContentAssist('script', tokens);
  } catch {
    return [];
  }
}

/** The rule stack all `paths` share. */
function commonStack(paths: readonly ISyntacticContentAssistPath[]): string[] {
  const first = paths[0]?.ruleStack ?? [];
  let n = first.length;
  for (const p of paths) {
    let i = 0;
    while (i < n && p.ruleStack[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}

/** ` in USAGE` / ` after USAGE`, or '' when the paths are outside any statement. */
function usageClause(word: 'in' | 'after', paths: readonly ISyntacticContentAssistPath[]): string {
  const usage = paths.length === 0 ? undefined : usageOfStack(commonStack(paths));
  return usage === undefined ? '' : ` ${word} ${usage}`;
}

/** The problem a parser error stands for. `tokens` is the input the parser had. */
export function diagnose(tokens: IToken[], error: IRecognitionException): Problem {
  const token = error.token;
  const isEnd = token.tokenType.name === 'EOF';
  let index = isEnd ? tokens.length : tokens.indexOf(token);
  if (index < 0) index = tokens.findIndex((t) => t.startOffset >= token.startOffset);
  if (index < 0) index = tokens.length;
  const where = isEnd
    ? endOf(tokens)
    : { offset: token.startOffset, line: token.startLine ?? 1, column: token.startColumn ?? 1 };
  const unexpected = describeToken(token);

  // the statement so far: the tokens since the last ';'
  let start = index;
  while (start > 0 && tokens[start - 1]?.tokenType !== Semicolon) start--;
  const before = tokens.slice(start, index);
  if (before.length === 0) return { ...where, message: expectedStatement(unexpected) };

  const paths = assist(before);
  const inside = paths.filter((p) => p.nextTokenType !== Semicolon);
  const labels = [...new Set(inside.map((p) => tokenLabel(p.nextTokenType)))];
  if (inside.length < paths.length) labels.push("';'", 'end of input');
  if (labels.length === 0) {
    // not expected to happen: fall back on the parser's own message and rule stack
    const usage = usageOfStack(error.context.ruleStack);
    return { ...where, message: usage === undefined ? error.message : `${error.message} in ${usage}` };
  }
  // a complete SHOW target may be followed by ',' and another: still name it by its form
  const listed = inside.length > 0 && inside.every((p) => p.nextTokenType === Comma && p.ruleStack.at(-1) === 'showStatement');
  if (inside.length > 0 && !listed) return { ...where, message: `unexpected ${unexpected}; expected ${orList(labels)}${usageClause('in', inside)}` };

  // the statement is complete: name it by the rule its last token belongs to
  const last = before[before.length - 1] as IToken;
  const lastPaths = assist(before.slice(0, -1)).filter((p) => tokenMatcher(last, p.nextTokenType));
  return { ...where, message: `unexpected ${unexpected}; expected ${orList(labels)}${usageClause('after', lastPaths)}` };
}
