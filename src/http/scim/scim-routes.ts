import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.ts';
import type { ScimInboundConnection } from '../../config/sections/scim-inbound.ts';
import { discoveryAnswer } from './discovery-handlers.ts';
import { handleResource } from './resource-handlers.ts';
import { GROUP_KIND, USER_KIND } from '../../scim/resource-kinds.ts';
import { createResourceStore } from '../../scim/resource-store.ts';
import { notFound, ScimError } from '../../scim/scim-error.ts';
import { createScimAuthenticator } from './scim-auth.ts';
import type { ScimAnswer, ScimCall, ScimDeps, ScimSource } from './scim-call.ts';
import { takeRequest } from './scim-rate-limit.ts';
import { createScimRequestLog, type ScimRequestEntry } from './scim-request-log.ts';
import { requestOrigin } from '../request-origin.ts';
import { createWrongTokenThrottle } from './wrong-token-throttle.ts';

const SCIM_BASE = '/scim/v2';
const CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** The scim-inbound sources of a config, as the HTTP side serves them. */
function scimSourcesOf(config: Config, deps: Pick<ScimDeps, 'redis' | 'keyPrefix'>): ScimSource[] {
  return Object.entries(config.sources).flatMap(([name, source]) =>
    source.connection.type === 'scim-inbound'
      ? [
          {
            name,
            connection: source.connection as ScimInboundConnection,
            users: createResourceStore(deps.redis, deps.keyPrefix, name, 'users'),
            groups: createResourceStore(deps.redis, deps.keyPrefix, name, 'groups'),
            authenticate: createScimAuthenticator(source.connection.clients),
          },
        ]
      : [],
  );
}

/** What one request's log entry is built from, filled in as the request goes. */
interface RequestState {
  at: number;
  client?: string;
  routed?: Routed;
  outcome?: string;
  runId?: string;
  createdId?: string;
}

interface Routed {
  source: ScimSource;
  /** Path segments after the source's base. */
  segments: string[];
  base: string;
}

/**
 * The SCIM 2.0 endpoint: `/scim/v2/<source>/…` per scim-inbound source, and `/scim/v2/…` too when there is
 * just one. Routing is done here rather than by fastify's router because SCIM resource paths match without
 * regard to case (`/Users`, `/users`), as clients differ. Every request is authenticated (bearer token of a
 * configured client), counted against the client's rate limit (429 + Retry-After), answered with RFC 7644
 * bodies (errors per §3.12, never a 500 for bad input) and recorded with the client's name.
 */
export async function scimRoutes(app: FastifyInstance, deps: ScimDeps & { config: Config }): Promise<void> {
  const sources = scimSourcesOf(deps.config, deps);
  if (sources.length === 0) return;
  const log = createScimRequestLog(deps.redis, deps.keyPrefix);
  const bodyLimit = Math.max(...sources.map((s) => s.connection.maxBodyBytes));
  const json = (
    _request: FastifyRequest,
    body: string,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    if (body.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch {
      done(new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'));
    }
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/scim+json', 'application/json'],
    { parseAs: 'string', bodyLimit },
    json,
  );
  // Some clients omit or mislabel the content type; a SCIM body is JSON whatever the label says.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, json);

  const started = new WeakMap<FastifyRequest, RequestState>();
  // Wrong tokens, per token and per client address, so a token cannot be guessed at speed and one directory
  // with a bad token behind the same proxy as the others does not lock them out (wrong-token-throttle.ts).
  const wrongTokens = createWrongTokenThrottle({
    now: () => Date.now(),
    trustedProxy: deps.config.http.trustProxy !== undefined,
  });
  const originOf = requestOrigin(deps.config.http);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof ScimError) return send(reply, err.status, err.body());
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(reply, 413, new ScimError(413, 'the body is larger than the limit').body());
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(
        reply,
        err.statusCode,
        new ScimError(err.statusCode, err.message.slice(0, 200), 'invalidSyntax').body(),
      );
    }
    request.log.error({ err }, 'scim request failed');
    return send(reply, 503, new ScimError(503, 'the request could not be served now; retry later').body(), {
      'retry-after': '5',
    });
  });

  app.addHook('onResponse', async (request, reply) => {
    const state = started.get(request);
    if (!state?.routed || !state.client) return;
    const entry: ScimRequestEntry = {
      at: new Date(state.at).toISOString(),
      client: state.client,
      method: request.method,
      resource: describe(state.routed.segments),
      ...(isId(state.routed.segments[1]) ? { id: state.routed.segments[1]!.slice(0, 64) } : {}),
      ...(state.createdId ? { id: state.createdId } : {}),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ...(state.outcome ? { outcome: state.outcome } : {}),
      ...(state.runId ? { runId: state.runId } : {}),
    };
    await log
      .record(state.routed.source.name, entry)
      .catch((err: unknown) => request.log.warn({ err }, 'could not record the scim request'));
  });

  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const state: RequestState = { at: Date.now() };
    started.set(request, state);
    const routed = route(sources, request.url);
    if (!routed) throw notFound('no SCIM endpoint at this path');
    state.routed = routed;
    const authorization = header(request.headers.authorization);
    const attempt = { ip: request.ip, headers: request.headers, authorization };
    const block = wrongTokens.blocked(attempt);
    if (block) {
      const seconds = Math.ceil(block.waitMs / 1000);
      reply.header('retry-after', String(seconds));
      throw new ScimError(429, `${block.reason}; retry after ${seconds}s`, 'tooMany');
    }
    const client = routed.source.authenticate(authorization);
    if (!client) {
      if (wrongTokens.failed(attempt)) {
        request.log.warn(
          { address: request.ip },
          'scim: too many wrong tokens from one address; it is refused',
        );
      }
      reply.header('www-authenticate', 'Bearer realm="kratos-sync SCIM"');
      throw new ScimError(401, 'a valid bearer token is required');
    }
    wrongTokens.succeeded(attempt);
    state.client = client;
    const config = routed.source.connection.clients.find((c) => c.name === client)!;
    const rate = await takeRequest(deps.redis, deps.keyPrefix, routed.source.name, config);
    if (!rate.allowed) {
      reply.header('retry-after', String(rate.retryAfterSeconds));
      throw new ScimError(
        429,
        `client ${client} is over its rate limit; retry after ${rate.retryAfterSeconds}s`,
        'tooMany',
      );
    }
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const state = started.get(request)!;
    const routed = state.routed!;
    const call: ScimCall = {
      source: routed.source,
      client: state.client!,
      baseUrl: `${originOf(request)}${routed.base}`,
      query: (request.query ?? {}) as Record<string, unknown>,
      body: request.body,
      note: (outcome, runId) => {
        state.outcome = outcome;
        if (runId) state.runId = runId;
      },
    };
    const answer = await dispatch(deps, call, request.method, routed.segments);
    // A create's log entry names the id it was given, so the console links request and resource.
    const created = answer.body as { id?: unknown } | undefined;
    if (answer.status === 201 && typeof created?.id === 'string') state.createdId = created.id;
    return send(reply, answer.status, answer.body, answer.headers);
  };

  for (const url of [SCIM_BASE, `${SCIM_BASE}/*`]) {
    // Not request-logged: a list URL carries a filter, and filters name people (`userName eq "…"`); the
    // request log above keeps what an operator needs without values.
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      bodyLimit,
      logLevel: 'warn',
      onRequest,
      handler,
    });
  }
}

function dispatch(deps: ScimDeps, call: ScimCall, method: string, segments: string[]): Promise<ScimAnswer> {
  const [resource = '', id, extra] = segments;
  if (extra !== undefined) throw notFound('no SCIM endpoint at this path');
  switch (resource.toLowerCase()) {
    case 'users':
      return handleResource(deps, call, USER_KIND, method, id);
    case 'groups':
      return handleResource(deps, call, GROUP_KIND, method, id);
    default:
      return discoveryAnswer(call, method, resource, id);
  }
}

/** The source and remaining segments a URL names, or null. */
function route(sources: ScimSource[], url: string): Routed | null {
  const path = url.split('?')[0]!;
  if (!path.toLowerCase().startsWith(SCIM_BASE)) return null;
  const segments = path
    .slice(SCIM_BASE.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  const named = sources.find((s) => s.name === segments[0]?.toLowerCase());
  if (named) return { source: named, segments: segments.slice(1), base: `${SCIM_BASE}/${named.name}` };
  if (sources.length === 1) return { source: sources[0]!, segments, base: SCIM_BASE };
  return null;
}

function send(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}) {
  reply.code(status).headers(headers);
  if (body === undefined) return reply.send();
  return reply.header('content-type', CONTENT_TYPE).send(JSON.stringify(body));
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const isId = (segment: string | undefined) => segment !== undefined && segment !== '.search';

function describe(segments: string[]): string {
  const [resource = '', id] = segments;
  const name = resource.slice(0, 32);
  return id === undefined ? name : id === '.search' ? `${name}/.search` : `${name}/{id}`;
}
