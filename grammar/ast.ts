/**
 * The statement AST: what the parser produces and the engine executes. Every node is
 * a readonly object with a `kind` tag; the executor switches over `kind` exhaustively.
 *
 * Integers are bigints; a number with a unit (`10G`, `1M`, `6h`) is a {@link Quantity}
 * as written, since its unit means what the setting or limit it is given to holds (`1M`
 * is 1,048,576 bytes for a size, 1,000,000 for a count): the executor values it. The
 * synonym `interval` of a tier limit is `duration`, and an identifier used as a value
 * is a string. Printing a statement (printer.ts) and parsing the text
 * again gives the same AST.
 *
 * @module
 */
import type { Quantity } from './literals.ts';

/** A setting or option value: integer, number with a unit, string or boolean. */
export type Value = bigint | Quantity | string | boolean;

/** `name value` inside an option list: `(name value, ...)` or `SET name TO value`. */
export interface Option {
  readonly name: string;
  readonly value: Value;
}

/** An inclusive id range: `BETWEEN a AND b` or `FROM a TO b`. */
export interface IdRange {
  readonly min: bigint;
  readonly max: bigint;
}

/** A tier limit of the pipeline. */
export interface Limit {
  readonly name: 'partitions' | 'size' | 'events' | 'duration';
  /** An integer (a duration's in µs) or a number with a unit, valued by the limit's kind. */
  readonly value: bigint | Quantity;
}

/** One tier of `ALTER PIPELINE`: a storage and its limits. */
export interface Tier {
  readonly storage: string;
  readonly limits: readonly Limit[];
}

/** Which copy `DROP PARTITION ... ON` removes. */
export type CopyTarget = 'storage' | 'cloud';

/** What one target of `SHOW` is: a setting, the configuration, or a view. */
export type ShowTarget = Extract<Statement, { readonly kind: `show_${string}` }>;

/** Every statement, tagged by `kind`. */
export type Statement =
  // settings
  | { readonly kind: 'set'; readonly name: string; readonly value: Value }
  | { readonly kind: 'show_config'; readonly name: string | null }
  | { readonly kind: 'show_settings'; readonly names: readonly string[] }
  // views
  | { readonly kind: 'show_storages' }
  | { readonly kind: 'show_storage'; readonly name: string }
  | { readonly kind: 'show_partitions'; readonly storage: string | null }
  | { readonly kind: 'show_partition'; readonly id: bigint }
  | { readonly kind: 'show_pipeline' }
  | { readonly kind: 'show_clouds' }
  | { readonly kind: 'show_cloud'; readonly name: string }
  | { readonly kind: 'show_memory' }
  | { readonly kind: 'show_wal' }
  | { readonly kind: 'show_operations' }
  | { readonly kind: 'show_orphans' }
  /** `SHOW a, b, ...` with a view among them: each target's answer, keyed by the target. */
  | { readonly kind: 'show_many'; readonly targets: readonly ShowTarget[] }
  // maintenance
  | { readonly kind: 'checkpoint' }
  | { readonly kind: 'rebalance'; readonly explain: boolean }
  // clouds
  | { readonly kind: 'create_cloud'; readonly ifNotExists: boolean; readonly name: string; readonly options: readonly Option[] }
  | { readonly kind: 'alter_cloud_rename'; readonly ifExists: boolean; readonly name: string; readonly to: string }
  | { readonly kind: 'alter_cloud_set'; readonly ifExists: boolean; readonly name: string; readonly options: readonly Option[] }
  | { readonly kind: 'drop_cloud'; readonly ifExists: boolean; readonly name: string }
  // storages
  | { readonly kind: 'create_storage'; readonly ifNotExists: boolean; readonly name: string; readonly options: readonly Option[] }
  | { readonly kind: 'alter_storage_rename'; readonly ifExists: boolean; readonly name: string; readonly to: string }
  | { readonly kind: 'alter_storage_set'; readonly ifExists: boolean; readonly name: string; readonly options: readonly Option[] }
  | { readonly kind: 'drop_storage'; readonly ifExists: boolean; readonly name: string }
  // pipeline
  | { readonly kind: 'alter_pipeline'; readonly tiers: readonly Tier[] }
  | { readonly kind: 'alter_pipeline_reset' }
  // partitions
  | { readonly kind: 'create_partition'; readonly min: bigint; readonly max: bigint }
  | { readonly kind: 'drop_partition'; readonly ifExists: boolean; readonly id: bigint; readonly on: CopyTarget | null }
  | { readonly kind: 'drop_partitions'; readonly range: IdRange; readonly on: CopyTarget | null }
  | { readonly kind: 'drop_orphans' }
  | { readonly kind: 'move_partition'; readonly ifExists: boolean; readonly id: bigint; readonly storage: string }
  | { readonly kind: 'move_partitions'; readonly range: IdRange; readonly storage: string }
  | { readonly kind: 'refresh_partition'; readonly ifExists: boolean; readonly id: bigint }
  | { readonly kind: 'refresh_partitions'; readonly range: IdRange }
  | { readonly kind: 'upload_partition'; readonly ifExists: boolean; readonly id: bigint; readonly ifCloud: boolean }
  | { readonly kind: 'upload_partitions'; readonly range: IdRange; readonly ifCloud: boolean }
  | { readonly kind: 'download_partition'; readonly ifExists: boolean; readonly id: bigint; readonly ifCloud: boolean }
  | { readonly kind: 'download_partitions'; readonly range: IdRange; readonly ifCloud: boolean }
  // data, for trying things out
  /** `id` null: `INSERT (DEFAULT, ...)`, a serial id given by the database. */
  | { readonly kind: 'insert'; readonly id: bigint | null; readonly key: string | null; readonly value: string }
  | { readonly kind: 'delete'; readonly id: bigint; readonly key: string | null }
  | { readonly kind: 'select'; readonly from: bigint | null; readonly to: bigint | null; readonly limit: bigint | null };

/** The `kind` of every statement. */
export type StatementKind = Statement['kind'];

/** The statement of kind `K`. */
export type StatementOf<K extends StatementKind> = Extract<Statement, { kind: K }>;

/** A parsed statement with the text it was parsed from (for echoing and errors). */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The source text of the statement, trimmed, without the `;`. */
  readonly text: string;
  /** 1-based line of its first token. */
  readonly line: number;
}
