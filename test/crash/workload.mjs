// @ts-check
/**
 * The crash campaign's workload, shared by the child that writes it and the parent that
 * checks it: batch `k` of round `r` is a pure function of `(r, k)`, so the parent knows
 * what every batch held without the child telling it.
 *
 * Each round writes into one slot of ids (`SLOTS` slots of `SPAN` ids, round r uses
 * slot r % SLOTS), so later rounds replace and delete events of earlier ones, in
 * partitions that the pipeline has long moved to the cloud. A batch holds
 * `NEW` events that move forward through the slot (replacing what an earlier round
 * wrote there), `REPLACES` replaces of events written earlier in the round, and one
 * delete of an event written earlier in the round.
 */

/** Slots of ids; round r writes into slot r % SLOTS. */
export const SLOTS = 6;
/** Ids per slot. */
export const SPAN = 3000;
/** Events a batch moves forward by. */
export const NEW = 5;
/** Replaces of earlier events per batch. */
export const REPLACES = 2;
/** Width of a partition (the `interval` the campaign's database uses). */
export const INTERVAL = 1000;

/**
 * A small deterministic generator (mulberry32) from a 32-bit seed.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The generator of batch `k` of round `r`.
 * @param {number} r
 * @param {number} k
 */
function rng(r, k) {
  return mulberry32(Math.imul(r + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77));
}

/**
 * One operation of a batch: an insert (or replace) when `value` is a string, a delete
 * when it is null.
 * @typedef {{ id: number, key: string, value: string | null }} Op
 */

/**
 * The operations of batch `k` of round `r`, in batch order.
 * @param {number} r
 * @param {number} k
 * @returns {Op[]}
 */
export function batchOps(r, k) {
  const base = (r % SLOTS) * SPAN;
  const next = rng(r, k);
  /** @type {Op[]} */
  const ops = [];
  for (let j = 0; j < NEW; j++) {
    const n = k * NEW + j;
    ops.push({ id: base + (n % SPAN), key: `k${n % 3}`, value: `r${r}-b${k}-n${j}`.padEnd(24 + (n % 40), '.') });
  }
  if (k > 0) {
    for (let j = 0; j < REPLACES; j++) {
      const n = Math.floor(next() * k * NEW);
      ops.push({ id: base + (n % SPAN), key: `k${n % 3}`, value: `r${r}-b${k}-u${j}` });
    }
    const n = Math.floor(next() * k * NEW);
    ops.push({ id: base + (n % SPAN), key: `k${n % 3}`, value: null });
  }
  return ops;
}

/**
 * The model key of an event: `id` and `key`, in a string that sorts like Strata orders
 * events when compared through {@link compareModelKeys}.
 * @param {number | bigint} id
 * @param {string} key
 * @returns {string}
 */
export function modelKey(id, key) {
  return `${String(id).padStart(20, '0')}/${key}`;
}

/**
 * Applies batch `k` of round `r` to `model` (model key to value).
 * @param {Map<string, string>} model
 * @param {number} r
 * @param {number} k
 */
export function applyBatch(model, r, k) {
  for (const op of batchOps(r, k)) {
    const key = modelKey(op.id, op.key);
    if (op.value === null) model.delete(key);
    else model.set(key, op.value);
  }
}
