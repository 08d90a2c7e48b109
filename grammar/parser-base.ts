/**
 * The parser, part 1 of 5: the configuration and the rules every statement family
 * shares (values, option lists, `IF [NOT] EXISTS`, id ranges). The families extend
 * this class (grammar inheritance), and parser.ts closes the chain.
 *
 * @module
 */
import { CstParser } from 'chevrotain';
import { errorMessageProvider } from './errors.ts';
import { Comma, Integer, K, LParen, Minus, Name, Quantity, RParen, StringLiteral, ValueName, allTokens } from './tokens.ts';

/** The shared rules of the grammar. Not instantiable alone: see parser.ts. */
export abstract class BaseParser extends CstParser {
  constructor() {
    super([...allTokens], { nodeLocationTracking: 'full', errorMessageProvider, maxLookahead: 2 });
  }

  // value: [-] integer | number with a unit | 'string' | TRUE | FALSE | name
  readonly value = this.RULE('value', () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(Minus));
          this.CONSUME(Integer);
        },
      },
      { ALT: () => this.CONSUME(Quantity) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(K.TRUE) },
      { ALT: () => this.CONSUME(K.FALSE) },
      { ALT: () => this.CONSUME(ValueName) },
    ]);
  });

  // optionEntry: name value
  readonly optionEntry = this.RULE('optionEntry', () => {
    this.CONSUME(Name);
    this.SUBRULE(this.value);
  });

  // options: '(' [name value {',' name value}] ')'
  readonly options = this.RULE('options', () => {
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.optionEntry) });
    this.CONSUME(RParen);
  });

  // ifExists: IF EXISTS
  readonly ifExists = this.RULE('ifExists', () => {
    this.CONSUME(K.IF);
    this.CONSUME(K.EXISTS);
  });

  // ifNotExists: IF NOT EXISTS
  readonly ifNotExists = this.RULE('ifNotExists', () => {
    this.CONSUME(K.IF);
    this.CONSUME(K.NOT);
    this.CONSUME(K.EXISTS);
  });

  // idRange: BETWEEN min AND max | FROM min TO max
  readonly idRange = this.RULE('idRange', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.BETWEEN);
          this.CONSUME1(Integer, { LABEL: 'min' });
          this.CONSUME(K.AND);
          this.CONSUME2(Integer, { LABEL: 'max' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.FROM);
          this.CONSUME3(Integer, { LABEL: 'min' });
          this.CONSUME(K.TO);
          this.CONSUME4(Integer, { LABEL: 'max' });
        },
      },
    ]);
  });
}
