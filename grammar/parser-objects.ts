/**
 * The parser, part 2 of 5: clouds, storages and the pipeline. Each rule starts after
 * the statement's verb (`CREATE`, `ALTER`, `DROP`), which parser.ts consumes.
 *
 * @module
 */
import { BaseParser } from './parser-base.ts';
import { Comma, Integer, K, LParen, Name, ObjectName, Quantity, RParen, TierName } from './tokens.ts';

/** Rules of the cloud, storage and pipeline statements. */
export abstract class ObjectsParser extends BaseParser {
  // renameTo: RENAME TO new
  readonly renameTo = this.RULE('renameTo', () => {
    this.CONSUME(K.RENAME);
    this.CONSUME(K.TO);
    this.CONSUME(Name, { LABEL: 'to' });
  });

  // CREATE createCloud: CLOUD [IF NOT EXISTS] name (options)
  readonly createCloud = this.RULE('createCloud', () => {
    this.CONSUME(K.CLOUD);
    this.OPTION(() => this.SUBRULE(this.ifNotExists));
    this.CONSUME(ObjectName);
    this.SUBRULE(this.options);
  });

  // ALTER alterCloud: CLOUD [IF EXISTS] name {RENAME TO new | SET (options)}
  readonly alterCloud = this.RULE('alterCloud', () => {
    this.CONSUME(K.CLOUD);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(ObjectName);
    this.OR([
      { ALT: () => this.SUBRULE(this.renameTo) },
      {
        ALT: () => {
          this.CONSUME(K.SET);
          this.SUBRULE(this.options);
        },
      },
    ]);
  });

  // DROP dropCloud: CLOUD [IF EXISTS] name
  readonly dropCloud = this.RULE('dropCloud', () => {
    this.CONSUME(K.CLOUD);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(ObjectName);
  });

  // CREATE createStorage: STORAGE [IF NOT EXISTS] name [(options)]
  readonly createStorage = this.RULE('createStorage', () => {
    this.CONSUME(K.STORAGE);
    this.OPTION(() => this.SUBRULE(this.ifNotExists));
    this.CONSUME(ObjectName);
    this.OPTION2(() => this.SUBRULE(this.options));
  });

  // ALTER alterStorage: STORAGE [IF EXISTS] name {RENAME TO new | SET (options) | SET option TO value}
  readonly alterStorage = this.RULE('alterStorage', () => {
    this.CONSUME(K.STORAGE);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(ObjectName);
    this.OR([
      { ALT: () => this.SUBRULE(this.renameTo) },
      {
        ALT: () => {
          this.CONSUME(K.SET);
          this.OR2([
            { ALT: () => this.SUBRULE(this.options) },
            {
              ALT: () => {
                this.CONSUME(Name, { LABEL: 'option' });
                this.CONSUME(K.TO);
                this.SUBRULE(this.value);
              },
            },
          ]);
        },
      },
    ]);
  });

  // DROP dropStorage: STORAGE [IF EXISTS] name
  readonly dropStorage = this.RULE('dropStorage', () => {
    this.CONSUME(K.STORAGE);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(ObjectName);
  });

  // ALTER alterPipeline: PIPELINE {RESET | [SET] tier {',' tier}}
  readonly alterPipeline = this.RULE('alterPipeline', () => {
    this.CONSUME(K.PIPELINE);
    this.OR([
      { ALT: () => this.CONSUME(K.RESET) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(K.SET));
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.tier) });
        },
      },
    ]);
  });

  // tier: storage ['(' [limit {',' limit}] ')']
  readonly tier = this.RULE('tier', () => {
    this.CONSUME(TierName);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.limit) });
      this.CONSUME(RParen);
    });
  });

  // limit: {PARTITIONS | SIZE | EVENTS | DURATION | INTERVAL} {integer | number with a unit}
  // (the unit must fit the limit: the executor checks it, so the error names the limit)
  readonly limit = this.RULE('limit', () => {
    this.OR([
      { ALT: () => this.CONSUME(K.PARTITIONS) },
      { ALT: () => this.CONSUME(K.SIZE) },
      { ALT: () => this.CONSUME(K.EVENTS) },
      { ALT: () => this.CONSUME(K.DURATION) },
      { ALT: () => this.CONSUME(K.INTERVAL) },
    ]);
    this.OR2([{ ALT: () => this.CONSUME(Integer) }, { ALT: () => this.CONSUME(Quantity) }]);
  });
}
