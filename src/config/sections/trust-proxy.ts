import { isIP } from 'node:net';
import { z } from 'zod';

/** Ranges fastify (through proxy-addr) knows by name. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address (`10.0.0.7`), a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a named range (`loopback`). */
function isProxyAddress(value: string): boolean {
  if (NAMED_RANGES.includes(value)) return true;
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

/**
 * `http.trustProxy`: the reverse proxies in front of the HTTP role, handed to fastify's own `trustProxy`
 * server option (https://fastify.dev/docs/latest/Reference/Server/#trustproxy), which compiles them with
 * proxy-addr. Only addresses / CIDR ranges: fastify 5 ignores a hop count (it trusts nothing for one, since a
 * count cannot tell the proxy from a direct client sending the header itself — fastify 5.12's
 * `lib/request.js`, `getTrustProxyFn`), and `true` (trust any sender) would let any client name its own address in
 * `X-Forwarded-For` and step around the login throttles.
 */
export const trustProxyOption = z
  .array(
    z.string().refine(isProxyAddress, {
      error: 'expected an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal',
    }),
    {
      error:
        'expected the list of proxies in front of this service: addresses / CIDR ranges (e.g. [10.0.0.0/8]); true or a hop count is not accepted (any client could name its own address)',
    },
  )
  .min(1, { error: 'list at least one proxy address or range' });
