/**
 * JSON rendering of statement results. Results are plain data in which u64 values
 * (ids, lsns) are bigints; {@link toJson} writes them as JSON integers without loss.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** JSON text of `value`; bigints are written as bare integers. */
export function toJson(value: unknown, indent?: number): string {
  // bigints go through a placeholder string that no real value can contain
  const nonce = randomBytes(6).toString('hex');
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${nonce}:${v}` : v), indent);
  return (text ?? 'null').replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), '$1');
}
