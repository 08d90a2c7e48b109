/**
 * The codec layer: byte formats shared by every layer above (event records, the
 * batch format, ids), checksums, compression and encryption. It does no I/O.
 *
 * @module
 */
export * from './record.ts';
export * from './id.ts';
export * from './crc.ts';
export * from './compression.ts';
export * from './encryption.ts';
export * from './batch-format.ts';
export * from './batch-builder.ts';
