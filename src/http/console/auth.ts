import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../config/secret.ts';

export interface BasicCredentials {
  username: string;
  password: Secret;
}

/**
 * The HTTP Basic user of a request when its credentials match, otherwise null. Both parts are compared in
 * constant time over SHA-256 digests (equal lengths whatever was sent), and both comparisons always run, so
 * the answer time says nothing about which part or how much of it was right.
 */
export function authenticatedUser(header: string | undefined, expected: BasicCredentials): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const userOk = sameText(user, expected.username);
  const passwordOk = sameText(password, expected.password.reveal());
  return userOk && passwordOk ? user : null;
}

function sameText(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The queue dashboard's realm too: a browser that signed in to one is signed in to the other. */
export const WWW_AUTHENTICATE = 'Basic realm="kratos-sync", charset="UTF-8"';
