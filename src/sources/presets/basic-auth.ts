import { Secret } from '../../config/secret.ts';
import type { HttpAuth } from '../http/auth-headers.ts';

/**
 * HTTP Basic auth where the user name itself is a secret (BambooHR's API key, HiBob's service user): the
 * whole header is kept as a Secret, so the key never sits in a plain string field.
 */
export function basicAuthHeader(user: Secret | string, password: Secret | string): HttpAuth {
  const text = (value: Secret | string) => (typeof value === 'string' ? value : value.reveal());
  const pair = Buffer.from(`${text(user)}:${text(password)}`, 'utf8').toString('base64');
  return { type: 'header', name: 'authorization', value: Secret.fromConfig(`Basic ${pair}`) };
}
