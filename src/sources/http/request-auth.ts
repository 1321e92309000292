import type { Dispatcher } from 'undici';
import { authHeaders, type HttpAuth } from './auth-headers.ts';
import { createOAuth2Token } from './oauth2-token.ts';

/** How one source authenticates its requests: the JSON client's `headers` and `renewCredentials`. */
export interface RequestAuth {
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** The API answered 401: drop what can be renewed (an OAuth2 token); true when a retry may help. */
  renew(): boolean;
}

export interface RequestAuthOptions {
  /** Where the auth options live in the config, for messages (e.g. `connection.auth`). */
  option: string;
  timeoutMs: number;
  now: () => Date;
  dispatcher?: Dispatcher;
}

export function createRequestAuth(auth: HttpAuth, options: RequestAuthOptions): RequestAuth {
  if (auth.type !== 'oauth2-client-credentials') {
    return { headers: async () => authHeaders(auth), renew: () => false };
  }
  const token = createOAuth2Token({ auth, ...options });
  return {
    headers: async (signal) => ({ authorization: await token.header(signal) }),
    renew: () => {
      token.invalidate();
      return true;
    },
  };
}
