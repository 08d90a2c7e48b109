/**
 * The printer: a statement to its canonical text. Keywords in uppercase, names bare
 * when they are plain lowercase identifiers that the position accepts unquoted (else
 * double-quoted), strings and identifier values single-quoted, integers in decimal,
 * numbers with a unit as written (`10GiB`, `6h`: what the unit means is the executor's).
 * Parsing the text gives the same statement back.
 *
 * @module
 */
import type { Limit, Option, ShowTarget, Statement, Tier, Value } from './ast.ts';
import { formatQuantity, isPlainName, quoteIdentifier, quoteString } from './literals.ts';
import { VIEW_WORDS } from './tokens.ts';

/** A name, quoted unless plain and not one of `reserved` (lowercase) in this position. */
function name(n: string, reserved: readonly string[] = []): string {
  return isPlainName(n) && !reserved.includes(n) ? n : quoteIdentifier(n);
}

const viewWords = VIEW_WORDS.map((w) => w.toLowerCase());
/** A cloud or storage name after `[IF [NOT] EXISTS]`. */
const objectName = (n: string): string => name(n, ['if']);
/** A tier of `ALTER PIPELINE`. */
const tierName = (n: string): string => name(n, ['set', 'reset']);

function value(v: Value): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'object') return formatQuantity(v);
  return quoteString(v);
}

function options(list: readonly Option[]): string {
  return `(${list.map((o) => `${name(o.name)} ${value(o.value)}`).join(', ')})`;
}

function limit(l: Limit): string {
  return `${l.name.toUpperCase()} ${value(l.value)}`;
}

function tier(t: Tier): string {
  const limits = t.limits.length === 0 ? '' : ` (${t.limits.map(limit).join(', ')})`;
  return `${tierName(t.storage)}${limits}`;
}

const ifExists = (yes: boolean): string => (yes ? 'IF EXISTS ' : '');
const ifNotExists = (yes: boolean): string => (yes ? 'IF NOT EXISTS ' : '');
const ifCloud = (yes: boolean): string => (yes ? ' IF CLOUD' : '');
const on = (target: 'storage' | 'cloud' | null): string => (target === null ? '' : ` ON ${target.toUpperCase()}`);
const range = (r: { readonly min: bigint; readonly max: bigint }): string => `BETWEEN ${r.min} AND ${r.max}`;
const optional = (word: string, n: bigint | null): string => (n === null ? '' : ` ${word} ${n}`);

/**
 * The canonical text of `statement`, without a trailing `;`.
 * REQUIRES: a statement the parser can produce: names not empty, `SHOW` names and
 * pipeline tiers not empty (others print text that does not parse).
 */
export function print(statement: Statement): string {
  const s = statement;
  switch (s.kind) {
    case 'set':
      return `SET ${name(s.name)} TO ${value(s.value)}`;
    case 'show_config':
      return s.name === null ? 'SHOW CONFIG' : `SHOW CONFIG ${name(s.name)}`;
    case 'show_settings':
      return `SHOW ${s.names.map((n) => name(n, viewWords)).join(', ')}`;
    case 'show_storages':
      return 'SHOW STORAGES';
    case 'show_storage':
      return `SHOW STORAGE ${name(s.name)}`;
    case 'show_partitions':
      return s.storage === null ? 'SHOW PARTITIONS' : `SHOW PARTITIONS ${name(s.storage)}`;
    case 'show_partition':
      return `SHOW PARTITION ${s.id}`;
    case 'show_pipeline':
      return 'SHOW PIPELINE';
    case 'show_clouds':
      return 'SHOW CLOUDS';
    case 'show_cloud':
      return `SHOW CLOUD ${name(s.name)}`;
    case 'show_memory':
      return 'SHOW MEMORY';
    case 'show_wal':
      return 'SHOW WAL';
    case 'show_operations':
      return 'SHOW OPERATIONS';
    case 'show_orphans':
      return 'SHOW ORPHANS';
    case 'show_many':
      return `SHOW ${s.targets.map((t) => print(t).slice('SHOW '.length)).join(', ')}`;
    case 'checkpoint':
      return 'CHECKPOINT';
    case 'rebalance':
      return s.explain ? 'EXPLAIN REBALANCE' : 'REBALANCE';
    case 'create_cloud':
      return `CREATE CLOUD ${ifNotExists(s.ifNotExists)}${objectName(s.name)} ${options(s.options)}`;
    case 'alter_cloud_rename':
      return `ALTER CLOUD ${ifExists(s.ifExists)}${objectName(s.name)} RENAME TO ${name(s.to)}`;
    case 'alter_cloud_set':
      return `ALTER CLOUD ${ifExists(s.ifExists)}${objectName(s.name)} SET ${options(s.options)}`;
    case 'drop_cloud':
      return `DROP CLOUD ${ifExists(s.ifExists)}${objectName(s.name)}`;
    case 'create_storage': {
      const opts = s.options.length === 0 ? '' : ` ${options(s.options)}`;
      return `CREATE STORAGE ${ifNotExists(s.ifNotExists)}${objectName(s.name)}${opts}`;
    }
    case 'alter_storage_rename':
      return `ALTER STORAGE ${ifExists(s.ifExists)}${objectName(s.name)} RENAME TO ${name(s.to)}`;
    case 'alter_storage_set':
      return `ALTER STORAGE ${ifExists(s.ifExists)}${objectName(s.name)} SET ${options(s.options)}`;
    case 'drop_storage':
      return `DROP STORAGE ${ifExists(s.ifExists)}${objectName(s.name)}`;
    case 'alter_pipeline':
      return `ALTER PIPELINE ${s.tiers.map(tier).join(', ')}`;
    case 'alter_pipeline_reset':
      return 'ALTER PIPELINE RESET';
    case 'create_partition':
      return `CREATE PARTITION ${s.min} ${s.max}`;
    case 'drop_partition':
      return `DROP PARTITION ${ifExists(s.ifExists)}${s.id}${on(s.on)}`;
    case 'drop_partitions':
      return `DROP PARTITIONS ${range(s.range)}${on(s.on)}`;
    case 'drop_orphans':
      return 'DROP ORPHANS';
    case 'move_partition':
      return `MOVE PARTITION ${ifExists(s.ifExists)}${s.id} INTO ${name(s.storage)}`;
    case 'move_partitions':
      return `MOVE PARTITIONS ${range(s.range)} INTO ${name(s.storage)}`;
    case 'refresh_partition':
      return `REFRESH PARTITION ${ifExists(s.ifExists)}${s.id}`;
    case 'refresh_partitions':
      return `REFRESH PARTITIONS ${range(s.range)}`;
    case 'upload_partition':
      return `UPLOAD PARTITION ${ifExists(s.ifExists)}${s.id}${ifCloud(s.ifCloud)}`;
    case 'upload_partitions':
      return `UPLOAD PARTITIONS ${range(s.range)}${ifCloud(s.ifCloud)}`;
    case 'download_partition':
      return `DOWNLOAD PARTITION ${ifExists(s.ifExists)}${s.id}${ifCloud(s.ifCloud)}`;
    case 'download_partitions':
      return `DOWNLOAD PARTITIONS ${range(s.range)}${ifCloud(s.ifCloud)}`;
    case 'insert': {
      const id = s.id === null ? 'DEFAULT' : String(s.id);
      return s.key === null ? `INSERT (${id}, ${quoteString(s.value)})` : `INSERT (${id}, ${quoteString(s.key)}, ${quoteString(s.value)})`;
    }
    case 'delete':
      return s.key === null ? `DELETE ${s.id}` : `DELETE ${s.id} ${quoteString(s.key)}`;
    case 'select':
      return `SELECT${optional('FROM', s.from)}${optional('TO', s.to)}${optional('LIMIT', s.limit)}`;
    default: {
      const unhandled: never = s;
      return unhandled;
    }
  }
}

/**
 * One target of `SHOW` as written after the word SHOW (`storages`, `partition 5`,
 * `interval`): the key of its answer in a `SHOW a, b` of several targets.
 */
export function showTargetText(t: ShowTarget): string {
  const text = print(t).slice('SHOW '.length);
  // views are keyed in lowercase; names keep their case
  return t.kind === 'show_settings' ? text : text.replace(/^[A-Z]+(?: [A-Z]+)?/, (w) => w.toLowerCase());
}
