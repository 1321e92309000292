import * as oauth from 'oauth4webapi';
import type { Dispatcher } from 'undici';
import type { HttpJsonConnection } from '../../config/sections/source.ts';
import { abortable } from '../abortable.ts';
import { AttemptFailure, failureForNetworkError } from './attempt-failure.ts';

export type OAuth2ClientCredentials = Extract<
  HttpJsonConnection['auth'],
  { type: 'oauth2-client-credentials' }
>;

export interface OAuth2TokenOptions {
  auth: OAuth2ClientCredentials;
  /** Where the options live in the config, for messages (e.g. `connection.auth`). */
  option: string;
  timeoutMs: number;
  now: () => Date;
  dispatcher?: Dispatcher;
}

/** A bearer token kept until shortly before it expires, fetched again on demand or after a 401. */
export interface OAuth2Token {
  /** The `authorization` header value; fetches a token when none is held or it is about to expire. */
  header(signal?: AbortSignal): Promise<string>;
  /** Forget the held token (the API answered 401 to it). */
  invalidate(): void;
}

/** A token is renewed this long before `expires_in` runs out, so a request never carries an expired one. */
const EXPIRY_MARGIN_MS = 30_000;
/** Servers that omit `expires_in` (RFC 6749 §5.1 makes it optional): keep the token this long, then renew. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;

/**
 * The OAuth2 client credentials grant (RFC 6749 §4.4), built and checked by oauth4webapi: it encodes the
 * client's id and secret for HTTP Basic as §2.3.1 requires (form-encoded first — a step hand-written clients
 * often miss, which breaks secrets holding `+`, `:` or `%`) and validates the token response.
 *
 * One token is shared by all requests of a source; concurrent callers wait for the same token request.
 * A failing token endpoint becomes an AttemptFailure (transient for network errors and 5xx, so the read is
 * retried; final for 400/401, with what to check). Messages carry the status and the RFC 6749 error code,
 * never the response body or the secret.
 */
export function createOAuth2Token(options: OAuth2TokenOptions): OAuth2Token {
  const { auth } = options;
  const tokenUrl = new URL(auth.tokenUrl);
  const server: oauth.AuthorizationServer = { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href };
  let held: { value: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  // Not tied to one caller's signal: the request is shared, and one caller giving up must not fail the
  // others waiting for it. Its own timeout bounds it.
  const fetchToken = async (): Promise<string> => {
    const client: oauth.Client = { client_id: auth.clientId.reveal() };
    const secret = auth.clientSecret.reveal();
    const clientAuth =
      auth.clientAuth === 'basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
    const params = new URLSearchParams(auth.params);
    if (auth.scopes.length > 0) params.set('scope', auth.scopes.join(' '));
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let response: Response;
    try {
      response = await oauth.clientCredentialsGrantRequest(server, client, clientAuth, params, {
        signal: timeout,
        [oauth.allowInsecureRequests]: tokenUrl.protocol === 'http:',
        // undici loads with the first token request, not with every command that builds sources.
        [oauth.customFetch]: async (url, init) =>
          (await import('undici')).fetch(url, {
            ...(init as object),
            ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
          }) as unknown as Promise<Response>,
      });
    } catch (err) {
      throw withContext(
        options,
        failureForNetworkError(err, timeout.aborted ? options.timeoutMs : undefined),
      );
    }
    if (!response.ok) throw await refusal(options, response);
    let token: oauth.TokenEndpointResponse;
    try {
      token = await oauth.processClientCredentialsResponse(server, client, response);
    } catch {
      throw new AttemptFailure(
        `${where(options)} answered a token response that is not valid OAuth2 (RFC 6749 §5.1)`,
        { transient: false },
      );
    }
    const lifetimeMs = typeof token.expires_in === 'number' ? token.expires_in * 1000 : UNKNOWN_LIFETIME_MS;
    held = {
      value: `Bearer ${token.access_token}`,
      renewAt: options.now().getTime() + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS),
    };
    return held.value;
  };

  return {
    async header(signal) {
      if (held && options.now().getTime() < held.renewAt) return held.value;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      // The caller may stop waiting (its job was cancelled); the token request goes on for the others.
      return await abortable(pending, signal);
    },
    invalidate() {
      held = undefined;
    },
  };
}

function where(options: OAuth2TokenOptions): string {
  const url = new URL(options.auth.tokenUrl);
  return `the OAuth2 token endpoint ${url.origin}${url.pathname} (${options.option}.tokenUrl)`;
}

function withContext(options: OAuth2TokenOptions, failure: AttemptFailure): AttemptFailure {
  return new AttemptFailure(`${where(options)}: ${failure.message}`, {
    transient: failure.transient,
    cause: failure.cause,
  });
}

/** The endpoint refused: say which status, which RFC 6749 error code, and what to check. */
async function refusal(options: OAuth2TokenOptions, response: Response): Promise<AttemptFailure> {
  const code = await errorCode(response);
  const status = response.status;
  const label = `${where(options)} answered HTTP ${status}${code ? ` (${code})` : ''}`;
  // No `status` on these failures: it would read as the API's own answer (a 401 there renews the token).
  if (status === 429 || status >= 500) return new AttemptFailure(label, { transient: true });
  const advice =
    code === 'invalid_scope'
      ? `check ${options.option}.scopes`
      : code === 'unauthorized_client' || code === 'unsupported_grant_type'
        ? 'the client is not allowed the client credentials grant; enable it for this client'
        : status === 404
          ? `check ${options.option}.tokenUrl`
          : `check ${options.option}.clientId and clientSecret (and clientAuth: basic or body)`;
  return new AttemptFailure(`${label}: ${advice}`, { transient: false });
}

/** The RFC 6749 §5.2 `error` code, only when it is one (a short token): never free text from the server. */
async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown };
    return typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : undefined;
  } catch {
    return undefined;
  }
}
