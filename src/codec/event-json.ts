/**
 * One event as a JSON object on one line: the format of `strata export --format jsonl`
 * and of `GET /v1/events` (docs/arrow.md#json-lines). Ids up to 2^53-1 are JSON
 * numbers, larger ones strings of digits (so that every JSON reader reads them
 * exactly); a key or value that is UTF-8 text is `key` / `value`, other bytes
 * `key_base64` / `value_base64`; an event without a key has no `key`.
 *
 * @module
 */
import { Buffer } from 'node:buffer';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `"name":text` when `bytes` is UTF-8, else `"name_base64":...`. */
function field(name: string, bytes: Uint8Array): string {
  try {
    return `"${name}":${JSON.stringify(utf8.decode(bytes))}`;
  } catch {
    return `"${name}_base64":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"`;
  }
}

/** The JSON object of one event, without a line end. */
export function eventJson(id: bigint, key: Uint8Array, value: Uint8Array): string {
  const idText = id <= BigInt(Number.MAX_SAFE_INTEGER) ? String(id) : `"${id}"`;
  return `{"id":${idText}${key.length > 0 ? `,${field('key', key)}` : ''},${field('value', value)}}`;
}
