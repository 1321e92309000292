import type { HttpJsonConnection } from '../../config/sections/source.ts';

export type HttpAuth = HttpJsonConnection['auth'];
/** The kinds of auth that are a fixed header (OAuth2 needs a token first: see `request-auth.ts`). */
export type StaticHttpAuth = Exclude<HttpAuth, { type: 'oauth2-client-credentials' }>;

/**
 * The request headers that authenticate us. Built per request so a secret is revealed only here, for the
 * one header that carries it — never in a URL, where proxies, access logs and error messages would keep it.
 */
export function authHeaders(auth: StaticHttpAuth): Record<string, string> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${auth.token.reveal()}` };
    case 'basic': {
      const pair = `${auth.username}:${auth.password.reveal()}`;
      return { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
    }
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value.reveal() };
  }
}
