/**
 * Region encryption: AES-256-GCM with a random 96-bit nonce per region. Each
 * method has a stable numeric id that partition files record, like the codecs.
 *
 * ```
 * stored := nonce (12 random bytes) | ciphertext (as long as the input) | tag (16 bytes)
 * ```
 *
 * The caller passes the additional authenticated data (AAD), which the tag covers but
 * which is not stored: partition files pass the region number, so a region moved to
 * another place in its file fails authentication. Keys are never part of an error
 * message. Random nonces keep a key safe for 2^32 regions (512 TiB of 128 KiB
 * regions); rotate keys long before that.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { StrataError } from '../errors.ts';

/** Encryption methods and their ids in partition files. */
export const Encryption = { none: 0, aes: 1 } as const;
/** Name of an encryption method (the value of the `encryption` setting). */
export type EncryptionName = keyof typeof Encryption;
/** Numeric id of an encryption method as stored in files. */
export type EncryptionId = (typeof Encryption)[EncryptionName];

/** Size of an encryption key, in bytes (AES-256). */
export const KEY_SIZE = 32;
/** Size of the nonce stored before each encrypted region, in bytes. */
export const NONCE_SIZE = 12;
/** Size of the authentication tag stored after each encrypted region, in bytes. */
export const TAG_SIZE = 16;
/** Bytes an encrypted region takes beyond its plaintext: nonce and tag. */
export const ENCRYPTION_OVERHEAD = NONCE_SIZE + TAG_SIZE;

const CIPHER = 'aes-256-gcm';

/** Returns the encryption id of `name`, or throws `INVALID_INPUT` naming the choices. */
export function encryptionId(name: string, operation: string): EncryptionId {
  if (Object.hasOwn(Encryption, name)) return Encryption[name as EncryptionName];
  throw new StrataError(
    'INVALID_INPUT',
    `${operation}: unknown encryption '${name}'; use one of ${Object.keys(Encryption).join(', ')}`,
  );
}

/** Name of encryption id `id`, or undefined when the id is unknown. */
export function encryptionName(id: number): EncryptionName | undefined {
  for (const [name, v] of Object.entries(Encryption)) if (v === id) return name as EncryptionName;
  return undefined;
}

/** A new random key of KEY_SIZE bytes, from the system's secure random source. */
export function generateKey(): Uint8Array {
  return randomFillSync(new Uint8Array(KEY_SIZE));
}

/**
 * Parses a key written as 64 hex digits (either case) into KEY_SIZE bytes.
 * @throws StrataError `INVALID_INPUT` starting with `operation` when `text` is not
 *   64 hex digits; the message never repeats the text.
 */
export function parseKey(text: string, operation: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new StrataError(
      'INVALID_INPUT',
      `${operation}: an encryption key is 64 hex digits (32 bytes, AES-256); got ${text.length} characters${/^[0-9a-fA-F]*$/.test(text) ? '' : ', not all hex digits'}`,
    );
  }
  const key = new Uint8Array(KEY_SIZE);
  for (let i = 0; i < KEY_SIZE; i++) key[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return key;
}

/** Formats `key` as lowercase hex digits: the form {@link parseKey} reads. */
export function formatKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}

/**
 * Checks that `key` is a key of KEY_SIZE bytes.
 * @throws StrataError `INVALID_INPUT` starting with `operation` otherwise.
 */
export function checkKey(key: unknown, operation: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_SIZE) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : key === null ? 'none' : typeof key;
    throw new StrataError('INVALID_INPUT', `${operation}: an encryption key is ${KEY_SIZE} bytes (AES-256); got ${got}`);
  }
}

/**
 * Encrypts `data` with `key` and authenticates it together with `aad`. Returns a new
 * buffer of `data.length + ENCRYPTION_OVERHEAD` bytes: nonce, ciphertext, tag. The
 * same input encrypts to different bytes each time (random nonce).
 * @throws StrataError `INVALID_INPUT` when `key` is not KEY_SIZE bytes.
 */
export function encryptRegion(key: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key, 'encrypt');
  const nonce = randomBytes(NONCE_SIZE);
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(aad);
  const body = cipher.update(data);
  const rest = cipher.final(); // empty for GCM, kept for form
  return Buffer.concat([nonce, body, rest, cipher.getAuthTag()], data.length + ENCRYPTION_OVERHEAD);
}

/**
 * Decrypts `stored` (as written by {@link encryptRegion}) with `key`, checking its tag
 * against the ciphertext and `aad`. Returns a new buffer with the plaintext.
 * @throws StrataError `CORRUPTION` when `stored` is shorter than nonce and tag or
 *   fails authentication (wrong key, wrong `aad` or damaged bytes); the caller adds
 *   which file and region. `INVALID_INPUT` when `key` is not KEY_SIZE bytes.
 */
export function decryptRegion(key: Uint8Array, aad: Uint8Array, stored: Uint8Array): Uint8Array {
  checkKey(key, 'decrypt');
  const n = stored.length;
  if (n < ENCRYPTION_OVERHEAD) {
    throw new StrataError('CORRUPTION', `decrypt: ${n} bytes, shorter than nonce and tag (${ENCRYPTION_OVERHEAD})`);
  }
  const decipher = createDecipheriv(CIPHER, key, stored.subarray(0, NONCE_SIZE), { authTagLength: TAG_SIZE });
  decipher.setAAD(aad);
  decipher.setAuthTag(stored.subarray(n - TAG_SIZE));
  const body = decipher.update(stored.subarray(NONCE_SIZE, n - TAG_SIZE));
  let rest: Buffer;
  try {
    rest = decipher.final();
  } catch (cause) {
    throw new StrataError('CORRUPTION', 'decrypt: authentication failed (wrong key or damaged data)', { cause });
  }
  return rest.length === 0 ? body : Buffer.concat([body, rest]);
}
