import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Secret } from '../../config/secret.ts';

/** An HMAC key as `createHmac` takes it: the secret's text (tests, fakes) or a prepared `KeyObject`. */
export type HmacKey = string | KeyObject;

/**
 * One prepared key per configured secret. `createHmac` given the secret's string encodes it to bytes and
 * wraps it in a key again for every request; a `KeyObject` holds the bytes once (Node's
 * `crypto.createSecretKey`). Keyed by the `Secret` itself, so every source's secret has its own key, a
 * reloaded config (new `Secret` objects) gets new ones, and a dropped config frees its keys. A `KeyObject`
 * never prints its bytes (`util.inspect` shows only its type and size).
 */
const keys = new WeakMap<Secret, KeyObject>();

export function hmacKeyOf(secret: Secret): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    // The bytes `createHmac` would take from the string: its UTF-8 encoding.
    key = createSecretKey(Buffer.from(secret.reveal(), 'utf8'));
    keys.set(secret, key);
  }
  return key;
}
