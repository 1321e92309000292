import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../config/schema.ts';
import type { WebhookConfig } from '../../config/sections/source.ts';
import type { Logger } from '../../log/logger.ts';
import { MAX_EVENT_VERSION_LENGTH, MAX_PERSON_KEY_LENGTH } from '../../sync/event-limits.ts';
import type { ReplayGuard } from '../replay-guard.ts';
import { verifyWebhook } from '../webhook-verifiers/verify-webhook.ts';
import { compileEventExpression, type EventExpression } from './event-expression.ts';

/** What a webhook turns into: one person's sync (the job fetches the record; events are hints). */
export type EnqueuePerson = (request: {
  source: string;
  key: string;
  receivedAt: string;
  eventVersion?: string;
  /** The event announced that this person leaves: the sync runs ahead of ordinary events. */
  leaver?: boolean;
}) => Promise<string>;

export interface WebhookRouteDeps {
  config: Config;
  logger: Logger;
  replay: ReplayGuard;
  enqueuePerson: EnqueuePerson;
  now: () => Date;
}

interface WebhookSource {
  webhook: WebhookConfig;
  personKey: EventExpression;
  eventVersion?: EventExpression;
  leaverEvent?: EventExpression;
}

/**
 * `POST /webhooks/:source`. Answers, in the order the checks run:
 * 404 unknown source (or no webhook configured) · 413 body over `maxBodyBytes` · 401 missing, stale or
 * forged signature (in the source's `webhook.format`) · 400 body not JSON · 422 no person key in the event ·
 * 409 replay of an accepted request · 503 the same request is being accepted right now (`Retry-After`) or
 * the queue is unreachable · 202 `{ jobId }` (and `jobIds` when the event names several people). Only a 202 is remembered for the replay check: after any other answer the sender may
 * send the same signed request again (see `replay-guard.ts`).
 * Error bodies are `{ error, reason }`; no reason quotes the body, the signature or the secret.
 */
export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  const sources = new Map<string, WebhookSource>();
  for (const [name, source] of Object.entries(deps.config.sources)) {
    if (!source.webhook) continue;
    const { personKey, eventVersion, leaverEvent } = source.webhook;
    const at = `sources.${name}.webhook`;
    sources.set(name, {
      webhook: source.webhook,
      personKey: compileEventExpression(`${at}.personKey`, personKey),
      ...(eventVersion ? { eventVersion: compileEventExpression(`${at}.eventVersion`, eventVersion) } : {}),
      ...(leaverEvent ? { leaverEvent: compileEventExpression(`${at}.leaverEvent`, leaverEvent) } : {}),
    });
  }
  const largestBody = Math.max(1024, ...[...sources.values()].map((s) => s.webhook.maxBodyBytes));

  // The signature covers the exact bytes sent: keep the body raw, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: largestBody }, (_req, body, done) => {
    done(null, body);
  });

  app.post<{ Params: { source: string } }>(
    '/webhooks/:source',
    {
      bodyLimit: largestBody,
      onRequest: async (request, reply) => {
        const source = sources.get(request.params.source);
        if (!source)
          return refuse(
            reply,
            404,
            'unknown-source',
            `no webhook is configured for source "${request.params.source}"`,
          );
        const length = Number(request.headers['content-length'] ?? 0);
        if (length > source.webhook.maxBodyBytes) return tooLarge(reply, source.webhook.maxBodyBytes);
        return undefined;
      },
    },
    async (request, reply) => {
      const name = request.params.source;
      const source = sources.get(name)!;
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (rawBody.length > source.webhook.maxBodyBytes) return tooLarge(reply, source.webhook.maxBodyBytes);
      const check = verifyWebhook(source.webhook, {
        rawBody,
        headers: request.headers,
        method: request.method,
        nowMs: deps.now().getTime(),
      });
      if (!check.ok) {
        deps.logger.warn({ source: name, reason: check.reason }, 'webhook refused');
        return refuse(reply, 401, 'unauthorized', check.reason);
      }
      let event: unknown;
      try {
        event = JSON.parse(rawBody.toString('utf8'));
      } catch (err) {
        // Only where it broke: JSON.parse's own message may quote the body (personal data).
        const at = /at position \d+/.exec((err as Error).message)?.[0];
        return refuse(reply, 400, 'malformed', `body is not valid JSON${at ? ` (${at})` : ''}`);
      }
      const keys = await keysOf(source.personKey, event);
      if (keys.length === 0) {
        return refuse(
          reply,
          422,
          'no-person-key',
          `the event has no person key (sources.${name}.webhook.personKey gave no string or number)`,
        );
      }
      // The version is a hint like the event itself: one that cannot be read (or is longer than a job may
      // carry) is left out, not refused.
      // An event naming several people (HubSpot and BambooHR batch them) announces no single version.
      const eventVersion =
        source.eventVersion && keys.length === 1
          ? await stringOf(source.eventVersion, event, MAX_EVENT_VERSION_LENGTH)
          : undefined;
      const leavers = source.leaverEvent ? await leaversOf(source.leaverEvent, event, keys) : NO_LEAVERS;
      // Only now, with a request we will accept if the queue takes it, is the replay record claimed.
      const claim = await deps.replay.claim(name, check.digest, source.webhook.toleranceSeconds);
      if (claim.status === 'accepted') {
        deps.logger.warn({ source: name }, 'webhook replay refused');
        return refuse(reply, 409, 'replay', 'this signed request was already accepted');
      }
      if (claim.status === 'in-flight') {
        reply.header('retry-after', String(IN_FLIGHT_RETRY_SECONDS));
        return refuse(reply, 503, 'in-flight', 'the same request is being accepted right now; retry later');
      }
      const jobIds: string[] = [];
      try {
        for (const key of keys) {
          jobIds.push(
            await deps.enqueuePerson({
              source: name,
              key,
              receivedAt: deps.now().toISOString(),
              ...(eventVersion ? { eventVersion } : {}),
              ...(leavers.has(key) ? { leaver: true } : {}),
            }),
          );
        }
      } catch (err) {
        // Not accepted (the error handler answers 503): the sender's retry of this request must be taken.
        await claim.release().catch((releaseErr: unknown) => {
          deps.logger.warn({ source: name, err: releaseErr }, 'webhook claim not released; it expires');
        });
        throw err;
      }
      await claim.accept();
      return reply.code(202).send(jobIds.length === 1 ? { jobId: jobIds[0] } : { jobId: jobIds[0], jobIds });
    },
  );
}

/** What a sender told "in flight" waits before sending the same request again. */
const IN_FLIGHT_RETRY_SECONDS = 2;

/** A string of at most `maxLength` characters, or a number, the expression gives (a key, a version). */
async function stringOf(
  expression: EventExpression,
  event: unknown,
  maxLength: number,
): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await expression(event);
  } catch {
    return undefined;
  }
  return textOf(value, maxLength);
}

/** A number as text, or a non-empty trimmed string of at most `maxLength` characters; else undefined. */
function textOf(value: unknown, maxLength: number): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed !== '' && trimmed.length <= maxLength) return trimmed;
  return undefined;
}

/** Most people one event may name (HubSpot sends at most 100 events a request). */
const MAX_KEYS_PER_EVENT = 100;

/**
 * The person keys an event names: the expression's string or number, or each of an array of them (vendors
 * that batch events), deduplicated, in order. Values that are no key are left out; none at all is `[]`.
 */
async function keysOf(expression: EventExpression, event: unknown): Promise<string[]> {
  let value: unknown;
  try {
    value = await expression(event);
  } catch {
    return [];
  }
  const values = Array.isArray(value) ? value.slice(0, MAX_KEYS_PER_EVENT) : [value];
  const keys = new Set<string>();
  for (const item of values) {
    const key = textOf(item, MAX_PERSON_KEY_LENGTH);
    if (key !== undefined) keys.add(key);
  }
  return [...keys];
}

const NO_LEAVERS: ReadonlySet<string> = new Set();

/**
 * The keys among `keys` that `webhook.leaverEvent` marks as leavers: `true` marks every person the event
 * names, a key or an array of keys marks those (a batch mixing leavers and other changes). Anything else,
 * or an expression that fails, marks nobody: the mark only orders the work, so a doubt costs speed, never
 * correctness.
 */
async function leaversOf(
  expression: EventExpression,
  event: unknown,
  keys: string[],
): Promise<ReadonlySet<string>> {
  let value: unknown;
  try {
    value = await expression(event);
  } catch {
    return NO_LEAVERS;
  }
  if (value === true) return new Set(keys);
  const named = new Set(
    (Array.isArray(value) ? value : [value]).map((item) => textOf(item, MAX_PERSON_KEY_LENGTH)),
  );
  return new Set(keys.filter((key) => named.has(key)));
}

function refuse(reply: FastifyReply, status: number, error: string, reason: string): FastifyReply {
  return reply.code(status).send({ error, reason });
}

function tooLarge(reply: FastifyReply, limit: number): FastifyReply {
  return refuse(reply, 413, 'too-large', `body is larger than ${limit} bytes`);
}
