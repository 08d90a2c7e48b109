/**
 * The parser, part 4 of 5: `SET` and the forms of `SHOW`. Each `SHOW` form starts
 * after `SHOW`, which parser.ts consumes; a view word after `SHOW` names the view, any
 * other name a setting (`SHOW interval`; a setting named like a view is quoted).
 *
 * @module
 */
import { PartitionParser } from './parser-partition.ts';
import { Integer, K, Name, SettingName } from './tokens.ts';

/** Rules of `SET` and `SHOW`. */
export abstract class ShowParser extends PartitionParser {
  // setStatement: SET name TO value
  readonly setStatement = this.RULE('setStatement', () => {
    this.CONSUME(K.SET);
    this.CONSUME(Name);
    this.CONSUME(K.TO);
    this.SUBRULE(this.value);
  });

  // SHOW showConfig: CONFIG [name]
  readonly showConfig = this.RULE('showConfig', () => {
    this.CONSUME(K.CONFIG);
    this.OPTION(() => this.CONSUME(Name));
  });

  // SHOW showAll: ALL
  readonly showAll = this.RULE('showAll', () => this.CONSUME(K.ALL));

  // SHOW showSettings: name (a list of them is a list of SHOW targets)
  readonly showSettings = this.RULE('showSettings', () => {
    this.CONSUME(SettingName);
  });

  // SHOW showStorages: STORAGES
  readonly showStorages = this.RULE('showStorages', () => this.CONSUME(K.STORAGES));

  // SHOW showStorage: STORAGE name
  readonly showStorage = this.RULE('showStorage', () => {
    this.CONSUME(K.STORAGE);
    this.CONSUME(Name);
  });

  // SHOW showPartitions: PARTITIONS [storage]
  readonly showPartitions = this.RULE('showPartitions', () => {
    this.CONSUME(K.PARTITIONS);
    this.OPTION(() => this.CONSUME(Name));
  });

  // SHOW showPartition: PARTITION id
  readonly showPartition = this.RULE('showPartition', () => {
    this.CONSUME(K.PARTITION);
    this.CONSUME(Integer);
  });

  // SHOW showPipeline: PIPELINE
  readonly showPipeline = this.RULE('showPipeline', () => this.CONSUME(K.PIPELINE));

  // SHOW showClouds: CLOUDS
  readonly showClouds = this.RULE('showClouds', () => this.CONSUME(K.CLOUDS));

  // SHOW showCloud: CLOUD name
  readonly showCloud = this.RULE('showCloud', () => {
    this.CONSUME(K.CLOUD);
    this.CONSUME(Name);
  });

  // SHOW showMemory: MEMORY
  readonly showMemory = this.RULE('showMemory', () => this.CONSUME(K.MEMORY));

  // SHOW showWal: WAL
  readonly showWal = this.RULE('showWal', () => this.CONSUME(K.WAL));

  // SHOW showOperations: OPERATIONS
  readonly showOperations = this.RULE('showOperations', () => this.CONSUME(K.OPERATIONS));

  // SHOW showOrphans: ORPHANS
  readonly showOrphans = this.RULE('showOrphans', () => this.CONSUME(K.ORPHANS));
}
