import { scrubSecrets } from './secret.ts';

/** Characters of a remote system's error text kept in a message. */
const REMOTE_TEXT_LIMIT = 300;

/**
 * Text another system sent back (a Kratos error envelope, a gateway's page), made fit to put in one of our
 * messages: scrubbed first (a gateway may echo the token we sent), then cut to `limit` characters, so one
 * verbose upstream cannot fill reports, the audit stream and job records with kilobytes per person.
 */
export function boundRemoteText(text: string, limit = REMOTE_TEXT_LIMIT): string {
  const clean = scrubSecrets(text);
  return clean.length <= limit
    ? clean
    : `${clean.slice(0, limit)}… (${clean.length - limit} more characters)`;
}
