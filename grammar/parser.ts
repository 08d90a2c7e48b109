/**
 * The parser, part 5 of 5: scripts, the statement families and the small statements.
 * Built once, at module load; `parser.input = tokens` then `parser.script()` parses.
 * Recovery is off: parsing stops at the first error (`parser.errors[0]`).
 *
 * @module
 */
import { ShowParser } from './parser-show.ts';
import { Comma, Integer, K, LParen, RParen, Semicolon, StringLiteral } from './tokens.ts';

/** The DDL parser (a Chevrotain `CstParser`). Use the {@link parser} instance. */
export class StrataParser extends ShowParser {
  // script: [statement] {';' [statement]}
  readonly script = this.RULE('script', () => {
    this.OPTION(() => this.SUBRULE(this.statement));
    this.MANY(() => {
      this.CONSUME(Semicolon);
      this.OPTION2(() => this.SUBRULE2(this.statement));
    });
  });

  // statement: SET ... | SHOW ... | CHECKPOINT | [EXPLAIN] REBALANCE | CREATE ... | ALTER ... | DROP ...
  //          | MOVE ... | REFRESH ... | UPLOAD ... | DOWNLOAD ... | INSERT ... | DELETE ... | SELECT ...
  readonly statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.checkpointStatement) },
      { ALT: () => this.SUBRULE(this.rebalanceStatement) },
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.alterStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
      { ALT: () => this.SUBRULE(this.moveStatement) },
      { ALT: () => this.SUBRULE(this.refreshStatement) },
      { ALT: () => this.SUBRULE(this.uploadStatement) },
      { ALT: () => this.SUBRULE(this.downloadStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.deleteStatement) },
      { ALT: () => this.SUBRULE(this.selectStatement) },
    ]);
  });

  // showStatement: SHOW target {',' target} (several targets: one answer keyed by target)
  readonly showStatement = this.RULE('showStatement', () => {
    this.CONSUME(K.SHOW);
    this.SUBRULE(this.showTarget);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.showTarget);
    });
  });

  // showTarget: CONFIG [name] | ALL | name | STORAGES | STORAGE name | PARTITIONS [storage]
  //             | PARTITION id | PIPELINE | CLOUDS | CLOUD name | MEMORY | WAL | OPERATIONS | ORPHANS
  readonly showTarget = this.RULE('showTarget', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.showConfig) },
      { ALT: () => this.SUBRULE(this.showAll) },
      { ALT: () => this.SUBRULE(this.showStorages) },
      { ALT: () => this.SUBRULE(this.showStorage) },
      { ALT: () => this.SUBRULE(this.showPartitions) },
      { ALT: () => this.SUBRULE(this.showPartition) },
      { ALT: () => this.SUBRULE(this.showPipeline) },
      { ALT: () => this.SUBRULE(this.showClouds) },
      { ALT: () => this.SUBRULE(this.showCloud) },
      { ALT: () => this.SUBRULE(this.showMemory) },
      { ALT: () => this.SUBRULE(this.showWal) },
      { ALT: () => this.SUBRULE(this.showOperations) },
      { ALT: () => this.SUBRULE(this.showOrphans) },
      { ALT: () => this.SUBRULE(this.showSettings) },
    ]);
  });

  // checkpointStatement: CHECKPOINT
  readonly checkpointStatement = this.RULE('checkpointStatement', () => this.CONSUME(K.CHECKPOINT));

  // rebalanceStatement: [EXPLAIN] REBALANCE
  readonly rebalanceStatement = this.RULE('rebalanceStatement', () => {
    this.OPTION(() => this.CONSUME(K.EXPLAIN));
    this.CONSUME(K.REBALANCE);
  });

  // createStatement: CREATE {CLOUD ... | STORAGE ... | PARTITION ...}
  readonly createStatement = this.RULE('createStatement', () => {
    this.CONSUME(K.CREATE);
    this.OR([
      { ALT: () => this.SUBRULE(this.createCloud) },
      { ALT: () => this.SUBRULE(this.createStorage) },
      { ALT: () => this.SUBRULE(this.createPartition) },
    ]);
  });

  // alterStatement: ALTER {CLOUD ... | STORAGE ... | PIPELINE ...}
  readonly alterStatement = this.RULE('alterStatement', () => {
    this.CONSUME(K.ALTER);
    this.OR([
      { ALT: () => this.SUBRULE(this.alterCloud) },
      { ALT: () => this.SUBRULE(this.alterStorage) },
      { ALT: () => this.SUBRULE(this.alterPipeline) },
    ]);
  });

  // dropStatement: DROP {CLOUD ... | STORAGE ... | PARTITION ... | PARTITIONS ... | ORPHANS}
  readonly dropStatement = this.RULE('dropStatement', () => {
    this.CONSUME(K.DROP);
    this.OR([
      { ALT: () => this.SUBRULE(this.dropCloud) },
      { ALT: () => this.SUBRULE(this.dropStorage) },
      { ALT: () => this.SUBRULE(this.dropPartition) },
      { ALT: () => this.SUBRULE(this.dropPartitions) },
      { ALT: () => this.SUBRULE(this.dropOrphans) },
    ]);
  });

  // moveStatement: MOVE {PARTITION ... | PARTITIONS ...}
  readonly moveStatement = this.RULE('moveStatement', () => {
    this.CONSUME(K.MOVE);
    this.OR([{ ALT: () => this.SUBRULE(this.movePartition) }, { ALT: () => this.SUBRULE(this.movePartitions) }]);
  });

  // refreshStatement: REFRESH {PARTITION ... | PARTITIONS ...}
  readonly refreshStatement = this.RULE('refreshStatement', () => {
    this.CONSUME(K.REFRESH);
    this.OR([{ ALT: () => this.SUBRULE(this.refreshPartition) }, { ALT: () => this.SUBRULE(this.refreshPartitions) }]);
  });

  // uploadStatement: UPLOAD {PARTITION ... | PARTITIONS ...}
  readonly uploadStatement = this.RULE('uploadStatement', () => {
    this.CONSUME(K.UPLOAD);
    this.OR([{ ALT: () => this.SUBRULE(this.uploadPartition) }, { ALT: () => this.SUBRULE(this.uploadPartitions) }]);
  });

  // downloadStatement: DOWNLOAD {PARTITION ... | PARTITIONS ...}
  readonly downloadStatement = this.RULE('downloadStatement', () => {
    this.CONSUME(K.DOWNLOAD);
    this.OR([{ ALT: () => this.SUBRULE(this.downloadPartition) }, { ALT: () => this.SUBRULE(this.downloadPartitions) }]);
  });

  // insertStatement: INSERT '(' {id | DEFAULT} ',' ['key' ','] 'value' ')' (DEFAULT: a serial id)
  readonly insertStatement = this.RULE('insertStatement', () => {
    this.CONSUME(K.INSERT);
    this.CONSUME(LParen);
    this.OR([{ ALT: () => this.CONSUME(Integer) }, { ALT: () => this.CONSUME(K.DEFAULT) }]);
    this.CONSUME(Comma);
    this.CONSUME(StringLiteral, { LABEL: 'first' });
    this.OPTION(() => {
      this.CONSUME2(Comma);
      this.CONSUME2(StringLiteral, { LABEL: 'second' });
    });
    this.CONSUME(RParen);
  });

  // deleteStatement: DELETE id ['key'] | DELETE '(' id [',' 'key'] ')' (INSERT's parentheses)
  readonly deleteStatement = this.RULE('deleteStatement', () => {
    this.CONSUME(K.DELETE);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.CONSUME(Integer);
          this.OPTION(() => {
            this.CONSUME(Comma);
            this.CONSUME(StringLiteral);
          });
          this.CONSUME(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(Integer);
          this.OPTION2(() => this.CONSUME2(StringLiteral));
        },
      },
    ]);
  });

  // selectStatement: SELECT [FROM id] [TO id] [LIMIT n]
  readonly selectStatement = this.RULE('selectStatement', () => {
    this.CONSUME(K.SELECT);
    this.OPTION(() => {
      this.CONSUME(K.FROM);
      this.CONSUME1(Integer, { LABEL: 'from' });
    });
    this.OPTION2(() => {
      this.CONSUME(K.TO);
      this.CONSUME2(Integer, { LABEL: 'to' });
    });
    this.OPTION3(() => {
      this.CONSUME(K.LIMIT);
      this.CONSUME3(Integer, { LABEL: 'limit' });
    });
  });

  constructor() {
    super();
    this.performSelfAnalysis();
  }
}

/** The one parser instance (a parser is reusable: each parse resets its input). */
export const parser = new StrataParser();
