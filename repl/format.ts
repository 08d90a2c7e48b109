/**
 * Rendering of statement results for the console: JSON, with u64 ids (bigints)
 * printed as plain numbers so that nothing loses precision.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** JSON text of `value`; bigints are written as bare integers. */
export function toJson(value: unknown, indent = 2): string {
  // bigints go through a placeholder string that no real value can contain
  const nonce = randomBytes(6).toString('hex');
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${nonce}:${v}` : v), indent);
  return (text ?? 'null').replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), '$1');
}
