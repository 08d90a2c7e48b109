/**
 * The parser, part 3 of 5: the partition statements. Each rule starts after the
 * statement's verb (`CREATE`, `DROP`, `MOVE`, ...), which parser.ts consumes.
 *
 * @module
 */
import { ObjectsParser } from './parser-objects.ts';
import { Integer, K, Name } from './tokens.ts';

/** Rules of the partition statements. */
export abstract class PartitionParser extends ObjectsParser {
  // copyTarget: ON {STORAGE | CLOUD}
  readonly copyTarget = this.RULE('copyTarget', () => {
    this.CONSUME(K.ON);
    this.OR([{ ALT: () => this.CONSUME(K.STORAGE) }, { ALT: () => this.CONSUME(K.CLOUD) }]);
  });

  // ifCloud: IF CLOUD
  readonly ifCloud = this.RULE('ifCloud', () => {
    this.CONSUME(K.IF);
    this.CONSUME(K.CLOUD);
  });

  // CREATE createPartition: PARTITION min max
  readonly createPartition = this.RULE('createPartition', () => {
    this.CONSUME(K.PARTITION);
    this.CONSUME1(Integer, { LABEL: 'min' });
    this.CONSUME2(Integer, { LABEL: 'max' });
  });

  // DROP dropPartition: PARTITION [IF EXISTS] id [ON {STORAGE | CLOUD}]
  readonly dropPartition = this.RULE('dropPartition', () => {
    this.CONSUME(K.PARTITION);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(Integer);
    this.OPTION2(() => this.SUBRULE(this.copyTarget));
  });

  // DROP dropPartitions: PARTITIONS {BETWEEN a AND b | FROM a TO b} [ON {STORAGE | CLOUD}]
  readonly dropPartitions = this.RULE('dropPartitions', () => {
    this.CONSUME(K.PARTITIONS);
    this.SUBRULE(this.idRange);
    this.OPTION(() => this.SUBRULE(this.copyTarget));
  });

  // DROP dropOrphans: ORPHANS
  readonly dropOrphans = this.RULE('dropOrphans', () => this.CONSUME(K.ORPHANS));

  // MOVE movePartition: PARTITION [IF EXISTS] id INTO storage
  readonly movePartition = this.RULE('movePartition', () => {
    this.CONSUME(K.PARTITION);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(Integer);
    this.CONSUME(K.INTO);
    this.CONSUME(Name);
  });

  // MOVE movePartitions: PARTITIONS {BETWEEN a AND b | FROM a TO b} INTO storage
  readonly movePartitions = this.RULE('movePartitions', () => {
    this.CONSUME(K.PARTITIONS);
    this.SUBRULE(this.idRange);
    this.CONSUME(K.INTO);
    this.CONSUME(Name);
  });

  // REFRESH refreshPartition: PARTITION [IF EXISTS] id
  readonly refreshPartition = this.RULE('refreshPartition', () => {
    this.CONSUME(K.PARTITION);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(Integer);
  });

  // REFRESH refreshPartitions: PARTITIONS {BETWEEN a AND b | FROM a TO b}
  readonly refreshPartitions = this.RULE('refreshPartitions', () => {
    this.CONSUME(K.PARTITIONS);
    this.SUBRULE(this.idRange);
  });

  // UPLOAD uploadPartition: PARTITION [IF EXISTS] id [IF CLOUD]
  readonly uploadPartition = this.RULE('uploadPartition', () => {
    this.CONSUME(K.PARTITION);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(Integer);
    this.OPTION2(() => this.SUBRULE(this.ifCloud));
  });

  // UPLOAD uploadPartitions: PARTITIONS {BETWEEN a AND b | FROM a TO b} [IF CLOUD]
  readonly uploadPartitions = this.RULE('uploadPartitions', () => {
    this.CONSUME(K.PARTITIONS);
    this.SUBRULE(this.idRange);
    this.OPTION(() => this.SUBRULE(this.ifCloud));
  });

  // DOWNLOAD downloadPartition: PARTITION [IF EXISTS] id [IF CLOUD]
  readonly downloadPartition = this.RULE('downloadPartition', () => {
    this.CONSUME(K.PARTITION);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(Integer);
    this.OPTION2(() => this.SUBRULE(this.ifCloud));
  });

  // DOWNLOAD downloadPartitions: PARTITIONS {BETWEEN a AND b | FROM a TO b} [IF CLOUD]
  readonly downloadPartitions = this.RULE('downloadPartitions', () => {
    this.CONSUME(K.PARTITIONS);
    this.SUBRULE(this.idRange);
    this.OPTION(() => this.SUBRULE(this.ifCloud));
  });
}
