import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One token request as the fake authorization server saw it. */
export interface TokenRequest {
  /** Decoded HTTP Basic client id and secret, when the client authenticated that way. */
  basic?: { id: string; secret: string };
  form: URLSearchParams;
}

export interface FakeOAuth2Options {
  clientId: string;
  clientSecret: string;
  /** `expires_in` of every token, in seconds; omitted from the answer when null. @defaultValue 3600 */
  expiresIn?: number | null;
  /** Path of the token endpoint. @defaultValue '/oauth/token' */
  path?: string;
}

/**
 * A fake OAuth2 authorization server (RFC 6749 §4.4 client credentials) on a real local port: checks the
 * client (HTTP Basic per §2.3.1, form-encoded, or `client_id`/`client_secret` in the body), issues
 * `tok-1`, `tok-2`, … and answers errors as §5.2 describes (`{ error }` with 400/401). Tests revoke tokens
 * and make the endpoint fail.
 */
export async function startFakeOAuth2(options: FakeOAuth2Options) {
  const requests: TokenRequest[] = [];
  const valid = new Set<string>();
  let issued = 0;
  const failures: Array<{ status: number; body: string }> = [];
  const path = options.path ?? '/oauth/token';
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const form = new URLSearchParams(raw);
      const recorded: TokenRequest = { form, ...basicOf(req.headers.authorization) };
      requests.push(recorded);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== path) return send(404, { error: 'not_found' });
      const failure = failures.shift();
      if (failure) return send(failure.status, failure.body);
      const id = recorded.basic?.id ?? form.get('client_id');
      const secret = recorded.basic?.secret ?? form.get('client_secret');
      if (id !== options.clientId || secret !== options.clientSecret) {
        return send(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      }
      if (form.get('grant_type') !== 'client_credentials')
        return send(400, { error: 'unsupported_grant_type' });
      const token = `tok-${++issued}`;
      valid.add(token);
      const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
      send(200, {
        access_token: token,
        token_type: 'Bearer',
        ...(expiresIn === null ? {} : { expires_in: expiresIn }),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokenUrl: `${url}${path}`,
    requests,
    /** Whether an `authorization` header carries a token issued here and not revoked. */
    accepts: (authorization: string | undefined) =>
      authorization?.startsWith('Bearer ') === true && valid.has(authorization.slice(7)),
    revokeAll: () => valid.clear(),
    /** Answer the next token request(s) with this status and raw body instead. */
    failNext: (status: number, body: unknown, times = 1) => {
      for (let i = 0; i < times; i++)
        failures.push({ status, body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type FakeOAuth2 = Awaited<ReturnType<typeof startFakeOAuth2>>;

/** HTTP Basic credentials, each part form-decoded as RFC 6749 §2.3.1 says a client encodes them. */
function basicOf(header: string | undefined): { basic?: { id: string; secret: string } } {
  if (!header?.startsWith('Basic ')) return {};
  const pair = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  const decode = (text: string) => decodeURIComponent(text.replaceAll('+', ' '));
  return { basic: { id: decode(pair.slice(0, colon)), secret: decode(pair.slice(colon + 1)) } };
}
