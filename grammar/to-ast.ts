/**
 * CST to AST: one converter per statement rule, keyed by rule name. Names fold to
 * lowercase unless double-quoted; integers become bigints and numbers with a unit stay
 * as written ({@link Quantity}: the executor values them by what they set); the tier
 * limit `interval` becomes `duration`.
 *
 * @module
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import { StrataError } from '../src/errors.ts';
import type { IdRange, Limit, Option, ShowTarget, Statement, Tier, Value } from './ast.ts';
import { type Quantity, splitNumber, unquoteIdentifier, unquoteString } from './literals.ts';
import { Integer, QuotedIdentifier } from './tokens.ts';

function isToken(e: CstElement): e is IToken {
  return 'tokenType' in e;
}

function bug(what: string): never {
  throw new StrataError('INTERNAL', `parse: ${what} (a bug in grammar/to-ast.ts, please report it)`);
}

/** Typed access to the children of a CST node. */
class Node {
  constructor(readonly cst: CstNode) {}

  has(key: string): boolean {
    return (this.cst.children[key]?.length ?? 0) > 0;
  }

  tokens(key: string): IToken[] {
    return (this.cst.children[key] ?? []).filter(isToken);
  }

  token(key: string): IToken {
    return this.tokens(key)[0] ?? bug(`${this.cst.name} has no ${key}`);
  }

  maybeToken(key: string): IToken | null {
    return this.tokens(key)[0] ?? null;
  }

  nodes(key: string): Node[] {
    return (this.cst.children[key] ?? []).filter((e): e is CstNode => !isToken(e)).map((n) => new Node(n));
  }

  node(key: string): Node {
    return this.nodes(key)[0] ?? bug(`${this.cst.name} has no ${key}`);
  }

  /** The one child node, for rules that only choose a sub-rule. */
  only(): Node {
    for (const key of Object.keys(this.cst.children)) {
      const found = this.nodes(key)[0];
      if (found !== undefined) return found;
    }
    return bug(`${this.cst.name} has no sub-rule`);
  }
}

/** A name: the text of a quoted identifier, else the word in lowercase. */
function nameOf(token: IToken): string {
  return token.tokenType === QuotedIdentifier ? unquoteIdentifier(token.image) : token.image.toLowerCase();
}

/** The value of an integer token. */
function numberOf(token: IToken): bigint {
  if (token.tokenType === Integer) return BigInt(token.image);
  return bug(`${token.tokenType.name} is not an integer`);
}

/** An integer, or a number with a unit as written (valued by the executor). */
function amountOf(n: Node): bigint | Quantity {
  const q = n.maybeToken('Quantity');
  return q === null ? numberOf(n.token('Integer')) : splitNumber(q.image);
}

function maybeNumber(token: IToken | null): bigint | null {
  return token === null ? null : numberOf(token);
}

function valueOf(n: Node): Value {
  if (n.has('StringLiteral')) return unquoteString(n.token('StringLiteral').image);
  if (n.has('TRUE')) return true;
  if (n.has('FALSE')) return false;
  if (n.has('ValueName')) return nameOf(n.token('ValueName'));
  const v = amountOf(n);
  return n.has('Minus') && typeof v === 'bigint' ? -v : v;
}

function optionsOf(n: Node): Option[] {
  return n.nodes('optionEntry').map((e) => ({ name: nameOf(e.token('Name')), value: valueOf(e.node('value')) }));
}

function rangeOf(n: Node): IdRange {
  return { min: numberOf(n.token('min')), max: numberOf(n.token('max')) };
}

function limitOf(n: Node): Limit {
  const value = amountOf(n);
  if (n.has('PARTITIONS')) return { name: 'partitions', value };
  if (n.has('SIZE')) return { name: 'size', value };
  if (n.has('EVENTS')) return { name: 'events', value };
  return { name: 'duration', value };
}

function tierOf(n: Node): Tier {
  return { storage: nameOf(n.token('TierName')), limits: n.nodes('limit').map(limitOf) };
}

function copyTargetOf(n: Node): 'storage' | 'cloud' | null {
  const target = n.nodes('copyTarget')[0];
  if (target === undefined) return null;
  return target.has('STORAGE') ? 'storage' : 'cloud';
}

const ifExists = (n: Node): boolean => n.has('ifExists');
const ifNotExists = (n: Node): boolean => n.has('ifNotExists');
const ifCloud = (n: Node): boolean => n.has('ifCloud');
const id = (n: Node): bigint => numberOf(n.token('Integer'));
const objectName = (n: Node): string => nameOf(n.token('ObjectName'));

/** The converter of each rule that is a statement form. */
const converters: Readonly<Record<string, (n: Node) => Statement>> = {
  setStatement: (n) => ({ kind: 'set', name: nameOf(n.token('Name')), value: valueOf(n.node('value')) }),
  showConfig: (n) => ({ kind: 'show_config', name: n.has('Name') ? nameOf(n.token('Name')) : null }),
  showAll: () => ({ kind: 'show_config', name: null }),
  showSettings: (n) => ({ kind: 'show_settings', names: [nameOf(n.token('SettingName'))] }),
  showStatement: (n) => {
    const targets = n.nodes('showTarget').map((t) => toStatement(t.cst) as ShowTarget);
    if (targets.length === 1) return targets[0]!;
    // settings alone keep their one answer, keyed by name
    if (targets.every((t) => t.kind === 'show_settings')) return { kind: 'show_settings', names: targets.flatMap((t) => (t as { names: readonly string[] }).names) };
    return { kind: 'show_many', targets };
  },
  showStorages: () => ({ kind: 'show_storages' }),
  showStorage: (n) => ({ kind: 'show_storage', name: nameOf(n.token('Name')) }),
  showPartitions: (n) => ({ kind: 'show_partitions', storage: n.has('Name') ? nameOf(n.token('Name')) : null }),
  showPartition: (n) => ({ kind: 'show_partition', id: id(n) }),
  showPipeline: () => ({ kind: 'show_pipeline' }),
  showClouds: () => ({ kind: 'show_clouds' }),
  showCloud: (n) => ({ kind: 'show_cloud', name: nameOf(n.token('Name')) }),
  showMemory: () => ({ kind: 'show_memory' }),
  showWal: () => ({ kind: 'show_wal' }),
  showOperations: () => ({ kind: 'show_operations' }),
  showOrphans: () => ({ kind: 'show_orphans' }),
  checkpointStatement: () => ({ kind: 'checkpoint' }),
  rebalanceStatement: (n) => ({ kind: 'rebalance', explain: n.has('EXPLAIN') }),
  createCloud: (n) => ({ kind: 'create_cloud', ifNotExists: ifNotExists(n), name: objectName(n), options: optionsOf(n.node('options')) }),
  alterCloud: (n) =>
    n.has('renameTo')
      ? { kind: 'alter_cloud_rename', ifExists: ifExists(n), name: objectName(n), to: nameOf(n.node('renameTo').token('to')) }
      : { kind: 'alter_cloud_set', ifExists: ifExists(n), name: objectName(n), options: optionsOf(n.node('options')) },
  dropCloud: (n) => ({ kind: 'drop_cloud', ifExists: ifExists(n), name: objectName(n) }),
  createStorage: (n) => ({
    kind: 'create_storage',
    ifNotExists: ifNotExists(n),
    name: objectName(n),
    options: n.has('options') ? optionsOf(n.node('options')) : [],
  }),
  alterStorage: (n) => {
    if (n.has('renameTo')) {
      return { kind: 'alter_storage_rename', ifExists: ifExists(n), name: objectName(n), to: nameOf(n.node('renameTo').token('to')) };
    }
    const options = n.has('options')
      ? optionsOf(n.node('options'))
      : [{ name: nameOf(n.token('option')), value: valueOf(n.node('value')) }];
    return { kind: 'alter_storage_set', ifExists: ifExists(n), name: objectName(n), options };
  },
  dropStorage: (n) => ({ kind: 'drop_storage', ifExists: ifExists(n), name: objectName(n) }),
  alterPipeline: (n) => (n.has('RESET') ? { kind: 'alter_pipeline_reset' } : { kind: 'alter_pipeline', tiers: n.nodes('tier').map(tierOf) }),
  createPartition: (n) => ({ kind: 'create_partition', min: numberOf(n.token('min')), max: numberOf(n.token('max')) }),
  dropPartition: (n) => ({ kind: 'drop_partition', ifExists: ifExists(n), id: id(n), on: copyTargetOf(n) }),
  dropPartitions: (n) => ({ kind: 'drop_partitions', range: rangeOf(n.node('idRange')), on: copyTargetOf(n) }),
  dropOrphans: () => ({ kind: 'drop_orphans' }),
  movePartition: (n) => ({ kind: 'move_partition', ifExists: ifExists(n), id: id(n), storage: nameOf(n.token('Name')) }),
  movePartitions: (n) => ({ kind: 'move_partitions', range: rangeOf(n.node('idRange')), storage: nameOf(n.token('Name')) }),
  refreshPartition: (n) => ({ kind: 'refresh_partition', ifExists: ifExists(n), id: id(n) }),
  refreshPartitions: (n) => ({ kind: 'refresh_partitions', range: rangeOf(n.node('idRange')) }),
  uploadPartition: (n) => ({ kind: 'upload_partition', ifExists: ifExists(n), id: id(n), ifCloud: ifCloud(n) }),
  uploadPartitions: (n) => ({ kind: 'upload_partitions', range: rangeOf(n.node('idRange')), ifCloud: ifCloud(n) }),
  downloadPartition: (n) => ({ kind: 'download_partition', ifExists: ifExists(n), id: id(n), ifCloud: ifCloud(n) }),
  downloadPartitions: (n) => ({ kind: 'download_partitions', range: rangeOf(n.node('idRange')), ifCloud: ifCloud(n) }),
  insertStatement: (n) => {
    const first = unquoteString(n.token('first').image);
    const second = n.maybeToken('second');
    const given = n.maybeToken('Integer') === null ? null : id(n);
    return second === null
      ? { kind: 'insert', id: given, key: null, value: first }
      : { kind: 'insert', id: given, key: first, value: unquoteString(second.image) };
  },
  deleteStatement: (n) => {
    const key = n.maybeToken('StringLiteral');
    return { kind: 'delete', id: id(n), key: key === null ? null : unquoteString(key.image) };
  },
  selectStatement: (n) => ({
    kind: 'select',
    from: maybeNumber(n.maybeToken('from')),
    to: maybeNumber(n.maybeToken('to')),
    limit: maybeNumber(n.maybeToken('limit')),
  }),
};

/**
 * The statement of a `statement` CST node: descends through the family rules
 * (`createStatement`) to the form (`createCloud`) and converts it.
 */
export function toStatement(cst: CstNode): Statement {
  let n = new Node(cst);
  for (;;) {
    const convert = converters[n.cst.name];
    if (convert !== undefined) return convert(n);
    n = n.only();
  }
}
