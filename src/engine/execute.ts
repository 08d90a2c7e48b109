/**
 * Statement execution. The DDL grammar (grammar/) replaces this interim reader;
 * until then it recognises the statements the core engine needs.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { EngineContext } from './context.ts';
import { showPartitions } from './show.ts';

/** What `execute` needs of the database besides its state. */
export interface StatementTarget {
  checkpoint(): Promise<void>;
  refresh(id: bigint): Promise<void>;
}

/** Runs one statement; see `Database.execute`. */
export async function executeStatement(ctx: EngineContext, db: StatementTarget, sql: string): Promise<unknown> {
  const text = sql.trim().replace(/;\s*$/, '');
  if (/^checkpoint$/i.test(text)) {
    await db.checkpoint();
    return null;
  }
  const refresh = /^refresh\s+partition\s+(\d+)$/i.exec(text);
  if (refresh !== null) {
    await db.refresh(BigInt(refresh[1]!));
    return null;
  }
  if (/^show\s+partitions$/i.test(text)) return showPartitions(ctx);
  throw new StrataError('NOT_SUPPORTED', `execute: '${text.slice(0, 40)}' is not supported yet; this build runs CHECKPOINT, REFRESH PARTITION id and SHOW PARTITIONS`);
}
