/** Shared by the partition file tests: events encoded as consecutive records. */

/** An event as the tests build it. */
export interface Ev {
  id: bigint;
  key: Uint8Array;
  value: Uint8Array;
}

/** Encodes events as consecutive records; returns the bytes and each record's offset. */
export function encode(evs: readonly Ev[], flags = 0): { buf: Buffer; offs: number[] } {
  const buf = Buffer.alloc(evs.reduce((n, e) => n + 14 + e.key.length + e.value.length, 0));
  const offs: number[] = [];
  let o = 0;
  for (const e of evs) {
    offs.push(o);
    buf.writeBigUInt64LE(e.id, o);
    buf.writeUInt32LE(e.value.length, o + 8);
    buf[o + 12] = e.key.length;
    buf[o + 13] = flags;
    buf.set(e.key, o + 14);
    buf.set(e.value, o + 14 + e.key.length);
    o += 14 + e.key.length + e.value.length;
  }
  return { buf, offs };
}

/**
 * The identity the format tests write when they do not test it: the widest range
 * (every id fits), generation 1, lsn 0.
 */
export const WIDE = { min: 0n, max: (1n << 64n) - 1n, generation: 1, lsn: 0n } as const;
