import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM (NIST SP 800-38D) from node:crypto: a 96-bit random IV per message, the 128-bit tag, and
 * associated data that binds a box to where it is stored (a box moved to another run or identity does not
 * open). Text form: `v1.<base64 iv|tag|ciphertext>`.
 */
const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 256-bit key from a configured secret (RFC 5869 HKDF-SHA-256), so any long passphrase serves. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kratos-sync', purpose, 32));
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}

export function seal(key: Buffer, plaintext: Buffer | string, associated: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associated));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The plaintext, or an error when the key is wrong or the box was altered or moved. */
export function open(key: Buffer, sealed: string, associated: string): Buffer {
  if (!sealed.startsWith(VERSION)) throw new Error('not a sealed box (unknown format)');
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed box too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associated));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
