/**
 * Releasing WAL segments: once every record of a segment is in partition files (no
 * memtable holds an event of it), the segment goes.
 *
 * @module
 */
import { parseWalSegmentName } from '../../wal/index.ts';
import type { EngineContext } from '../core/context.ts';

/**
 * Deletes the WAL segments that no memtable needs any more (saving `ssn` first when
 * there is one to delete): the last step of a refresh, a move and a drop, and of a
 * checkpoint. Tombstones are not pruned here (only at open: open.ts).
 */
export function releaseWal(ctx: EngineContext): void {
  if (ctx.wal === null) return;
  let needed = Number(ctx.wal.lastLsn) + 1;
  for (const p of ctx.partitions.all) {
    const n = p.neededLsn;
    if (n !== 0 && n < needed) needed = n;
  }
  // most refreshes free no segment (the oldest one is still needed, or is the current
  // one): then nothing is written, not even the manifest (a synced SQLite commit)
  const names = ctx.wal.files();
  const second = names.length >= 2 ? parseWalSegmentName(names[1]!) : null;
  if (second === null || second - 1n >= BigInt(needed)) return;
  // the segments may hold the only record of serial ids handed out: save the counter first
  ctx.manifest.setConfig('ssn', ctx.serial.value);
  ctx.wal.release(BigInt(needed));
}
