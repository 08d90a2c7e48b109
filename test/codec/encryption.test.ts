// Region encryption: key parsing and generation, AES-256-GCM round trips, and every
// way a stored region can fail to authenticate (damaged byte, wrong key, wrong AAD).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkKey, decryptRegion, Encryption, ENCRYPTION_OVERHEAD, encryptionId, encryptionName, encryptRegion, formatKey,
  generateKey, KEY_SIZE, NONCE_SIZE, parseKey, TAG_SIZE,
} from '../../src/codec/encryption.ts';
import { error } from '../expect-error.ts';

const HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const aad = (i: number): Uint8Array => Uint8Array.of(i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24);


describe('encryption ids and keys', () => {
  it('maps names and ids both ways; an unknown name is INVALID_INPUT naming the choices', () => {
    expect([Encryption.none, Encryption.aes]).toEqual([0, 1]);
    expect([encryptionId('none', 'x'), encryptionId('aes', 'x')]).toEqual([0, 1]);
    expect([encryptionName(0), encryptionName(1), encryptionName(2)]).toEqual(['none', 'aes', undefined]);
    expect(error(() => encryptionId('des', 'create storage'))).toMatchObject({
      code: 'INVALID_INPUT', message: "create storage: unknown encryption 'des'; use one of none, aes",
    });
    expect(() => encryptionId('toString', 'x')).toThrow(/unknown encryption/);
  });

  it('generates distinct 32-byte keys', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).toBeInstanceOf(Uint8Array);
    expect([a.length, b.length]).toEqual([KEY_SIZE, KEY_SIZE]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('parses 64 hex digits in either case, and formats keys back', () => {
    const k = parseKey(HEX, 'x');
    expect(Array.from(k)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(Array.from(parseKey(HEX.toUpperCase(), 'x'))).toEqual(Array.from(k));
    expect(formatKey(k)).toBe(HEX);
    const g = generateKey();
    expect(Array.from(parseKey(formatKey(g), 'x'))).toEqual(Array.from(g));
  });

  it('rejects anything but 64 hex digits with INVALID_INPUT saying what is expected, never echoing the text', () => {
    const secretish = 'zz' + HEX.slice(2);
    for (const text of ['', HEX.slice(1), HEX + '0', secretish, ` ${HEX.slice(1)}`, '0x' + HEX.slice(2)]) {
      const e = error(() => parseKey(text, 'create storage'));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toMatch(/^create storage: an encryption key is 64 hex digits \(32 bytes, AES-256\); got \d+ characters/);
      if (text.length > 8) expect(e.message).not.toContain(text.slice(4));
    }
    expect(error(() => parseKey(secretish, 'x')).message).toMatch(/got 64 characters, not all hex digits$/);
  });

  it('checkKey accepts only 32-byte arrays', () => {
    expect(() => checkKey(generateKey(), 'x')).not.toThrow();
    expect(error(() => checkKey(new Uint8Array(31), 'open'))).toMatchObject({ code: 'INVALID_INPUT', message: 'open: an encryption key is 32 bytes (AES-256); got 31 bytes' });
    expect(error(() => checkKey(null, 'open')).message).toMatch(/got none$/);
    expect(error(() => checkKey(HEX, 'open')).message).toMatch(/got string$/);
  });
});

describe('encryptRegion / decryptRegion', () => {
  const key = generateKey();

  it('round-trips any bytes with any AAD; the stored form is nonce | ciphertext | tag', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(), fc.nat({ max: 16 }), (data, i, pad) => {
        // input as a view with an offset, as regions are
        const host = new Uint8Array(pad + data.length);
        host.set(data, pad);
        const stored = encryptRegion(key, aad(i), host.subarray(pad));
        expect(stored.length).toBe(data.length + ENCRYPTION_OVERHEAD);
        expect(Array.from(decryptRegion(key, aad(i), stored))).toEqual(Array.from(data));
      }),
      { numRuns: 200 },
    );
    expect(ENCRYPTION_OVERHEAD).toBe(NONCE_SIZE + TAG_SIZE);
  });

  it('encrypts the same input to different bytes each time (random nonce)', () => {
    const data = new Uint8Array(1000).fill(7);
    const a = Buffer.from(encryptRegion(key, aad(0), data));
    const b = Buffer.from(encryptRegion(key, aad(0), data));
    expect(a.subarray(0, NONCE_SIZE).equals(b.subarray(0, NONCE_SIZE))).toBe(false);
    expect(a.subarray(NONCE_SIZE).equals(b.subarray(NONCE_SIZE))).toBe(false);
    // and the ciphertext does not hold the plaintext
    expect(a.includes(Buffer.from(data.subarray(0, 32)))).toBe(false);
  });

  it('fails authentication on any flipped bit, a wrong key or a wrong AAD', () => {
    const data = new Uint8Array(300).map((_, i) => i * 7);
    const stored = encryptRegion(key, aad(5), data);
    const failed = { code: 'CORRUPTION', message: 'decrypt: authentication failed (wrong key or damaged data)' };
    for (let at = 0; at < stored.length; at++) {
      const bad = Uint8Array.from(stored);
      bad[at]! ^= 1 << (at % 8);
      expect(error(() => decryptRegion(key, aad(5), bad))).toMatchObject(failed);
    }
    expect(error(() => decryptRegion(generateKey(), aad(5), stored))).toMatchObject(failed);
    expect(error(() => decryptRegion(key, aad(6), stored))).toMatchObject(failed);
    expect(error(() => decryptRegion(key, aad(5), stored.subarray(0, stored.length - 1)))).toMatchObject(failed);
  });

  it('rejects stored bytes shorter than nonce and tag, and keys of the wrong size', () => {
    expect(error(() => decryptRegion(key, aad(0), new Uint8Array(27)))).toMatchObject({
      code: 'CORRUPTION', message: 'decrypt: 27 bytes, shorter than nonce and tag (28)',
    });
    expect(Array.from(decryptRegion(key, aad(0), encryptRegion(key, aad(0), new Uint8Array(0))))).toEqual([]);
    expect(error(() => encryptRegion(new Uint8Array(16), aad(0), new Uint8Array(4))).code).toBe('INVALID_INPUT');
    expect(error(() => decryptRegion(new Uint8Array(16), aad(0), new Uint8Array(40))).code).toBe('INVALID_INPUT');
  });
});
