/**
 * The usage of each statement, as syntax errors quote it (`... in MOVE PARTITION
 * [IF EXISTS] id INTO storage`): one line per form, keyed by the parser rule of the
 * form; a family rule (`moveStatement`) lists its forms.
 *
 * @module
 */

const RANGE = '{BETWEEN a AND b | FROM a TO b}';

/** The usage of each statement form, by parser rule name. */
const forms: Readonly<Record<string, string>> = {
  setStatement: 'SET name TO value',
  showConfig: 'SHOW CONFIG [name]',
  showAll: 'SHOW ALL',
  showSettings: 'SHOW name',
  showStorages: 'SHOW STORAGES',
  showStorage: 'SHOW STORAGE name',
  showPartitions: 'SHOW PARTITIONS [storage]',
  showPartition: 'SHOW PARTITION id',
  showPipeline: 'SHOW PIPELINE',
  showClouds: 'SHOW CLOUDS',
  showCloud: 'SHOW CLOUD name',
  showMemory: 'SHOW MEMORY',
  showWal: 'SHOW WAL',
  showOperations: 'SHOW OPERATIONS',
  showOrphans: 'SHOW ORPHANS',
  checkpointStatement: 'CHECKPOINT',
  rebalanceStatement: '[EXPLAIN] REBALANCE',
  createCloud: 'CREATE CLOUD [IF NOT EXISTS] name (options)',
  alterCloud: 'ALTER CLOUD [IF EXISTS] name {RENAME TO new | SET (options)}',
  dropCloud: 'DROP CLOUD [IF EXISTS] name',
  createStorage: 'CREATE STORAGE [IF NOT EXISTS] name [(options)]',
  alterStorage: 'ALTER STORAGE [IF EXISTS] name {RENAME TO new | SET (options) | SET option TO value}',
  dropStorage: 'DROP STORAGE [IF EXISTS] name',
  alterPipeline: 'ALTER PIPELINE {[SET] tier [(limits)] [, tier [(limits)] ...] | RESET}',
  createPartition: 'CREATE PARTITION min max',
  dropPartition: 'DROP PARTITION [IF EXISTS] id [ON STORAGE | ON CLOUD]',
  dropPartitions: `DROP PARTITIONS ${RANGE} [ON STORAGE | ON CLOUD]`,
  dropOrphans: 'DROP ORPHANS',
  movePartition: 'MOVE PARTITION [IF EXISTS] id INTO storage',
  movePartitions: `MOVE PARTITIONS ${RANGE} INTO storage`,
  refreshPartition: 'REFRESH PARTITION [IF EXISTS] id',
  refreshPartitions: `REFRESH PARTITIONS ${RANGE}`,
  uploadPartition: 'UPLOAD PARTITION [IF EXISTS] id [IF CLOUD]',
  uploadPartitions: `UPLOAD PARTITIONS ${RANGE} [IF CLOUD]`,
  downloadPartition: 'DOWNLOAD PARTITION [IF EXISTS] id [IF CLOUD]',
  downloadPartitions: `DOWNLOAD PARTITIONS ${RANGE} [IF CLOUD]`,
  insertStatement: "INSERT ({id | DEFAULT}, 'value') | INSERT ({id | DEFAULT}, 'key', 'value')",
  deleteStatement: "DELETE id ['key'] | DELETE (id[, 'key'])",
  selectStatement: 'SELECT [FROM id] [TO id] [LIMIT n]',
};

/** The forms of each statement family, by parser rule name. */
const families: Readonly<Record<string, readonly string[]>> = {
  // SHOW's forms (any of them may be listed: SHOW a, b): the targets are the forms
  showTarget: [
    'showConfig', 'showAll', 'showSettings', 'showStorages', 'showStorage', 'showPartitions', 'showPartition',
    'showPipeline', 'showClouds', 'showCloud', 'showMemory', 'showWal', 'showOperations', 'showOrphans',
  ],
  showStatement: ['showTarget'],
  createStatement: ['createCloud', 'createStorage', 'createPartition'],
  alterStatement: ['alterCloud', 'alterStorage', 'alterPipeline'],
  dropStatement: ['dropCloud', 'dropStorage', 'dropPartition', 'dropPartitions', 'dropOrphans'],
  moveStatement: ['movePartition', 'movePartitions'],
  refreshStatement: ['refreshPartition', 'refreshPartitions'],
  uploadStatement: ['uploadPartition', 'uploadPartitions'],
  downloadStatement: ['downloadPartition', 'downloadPartitions'],
};

/** The usage of a statement form or family rule, or undefined for other rules. */
export function usageOf(rule: string): string | undefined {
  const form = forms[rule];
  if (form !== undefined) return form;
  const members = families[rule];
  return members?.map((m) => forms[m] ?? usageOf(m)).join(' | ');
}

/**
 * The usage of the innermost statement rule of a rule stack
 * (`['script', 'statement', 'moveStatement', 'movePartition', 'ifExists']` -> the usage
 * of `movePartition`), or undefined when the stack is outside any statement.
 */
export function usageOfStack(ruleStack: readonly string[]): string | undefined {
  for (let i = ruleStack.length - 1; i >= 0; i--) {
    const usage = usageOf(ruleStack[i] ?? '');
    if (usage !== undefined) return usage;
  }
  return undefined;
}
