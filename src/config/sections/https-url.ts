import { z } from 'zod';
import { isLoopbackHost } from '../loopback-host.ts';

const MUST_BE_HTTPS =
  'must be https: credentials and personal data travel over it (plain http is allowed only for loopback hosts)';

/**
 * Whether an address a source is read from may be used: https, or plain http to this machine's loopback
 * (a test fake, a local proxy). Anything else would send API keys, tokens and people's records in clear.
 * A relative address (an `itemUrl` resolved against the collection URL) is judged by what it resolves against.
 */
function isHttpsOrLoopback(value: string): boolean {
  const url = URL.parse(value);
  if (url === null) return true;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** An absolute URL that credentials are sent to: https, or http to a loopback host. */
export const httpsUrl = () =>
  z.url({ error: 'expected an absolute http(s) URL' }).refine(isHttpsOrLoopback, MUST_BE_HTTPS);

/** A URL that may be relative (resolved against another option's URL); when absolute, as `httpsUrl`. */
export const httpsUrlOrRelative = () => z.string().refine(isHttpsOrLoopback, MUST_BE_HTTPS);
