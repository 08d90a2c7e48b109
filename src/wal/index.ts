/**
 * The write-ahead log: the door of `src/wal/`. Other layers import from here only.
 *
 * @module
 */
export { Wal, type WalConfig, type WalStats } from './wal.ts';
export type { WalReplayFn, WalReplayReport } from './wal-replay.ts';
export { WAL_RECOVERY_MODES, isWalDamage, type WalDropped, type WalRecovery } from './wal-recovery.ts';
export {
  WAL_BATCH,
  WAL_MAX_PAYLOAD,
  WAL_SEGMENT_HEADER,
  parseWalSegmentName,
  walSegmentName,
} from './wal-format.ts';
