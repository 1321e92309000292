import type { FastifyInstance, FastifyReply } from 'fastify';
import jsonata from 'jsonata';
import type { Config } from '../../config/schema.ts';
import type { WebhookConfig } from '../../config/sections/source.ts';
import type { Logger } from '../../log/logger.ts';
import type { ReplayGuard } from '../replay-guard.ts';
import { checkWebhookSignature } from '../webhook-signature.ts';

/** What a webhook turns into: one person's sync (the job fetches the record; events are hints). */
export type EnqueuePerson = (request: {
  source: string;
  key: string;
  receivedAt: string;
  eventVersion?: string;
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
  personKey: jsonata.Expression;
  eventVersion?: jsonata.Expression;
}

/**
 * `POST /webhooks/:source`. Answers, in the order the checks run:
 * 404 unknown source (or no webhook configured) · 413 body over `maxBodyBytes` · 401 missing, stale or
 * forged signature · 409 replay of an accepted request · 400 body not JSON · 422 no person key in the
 * event · 503 the queue is unreachable · 202 `{ jobId }`.
 * Error bodies are `{ error, reason }`; no reason quotes the body, the signature or the secret.
 */
export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  const sources = new Map<string, WebhookSource>();
  for (const [name, source] of Object.entries(deps.config.sources)) {
    if (source.webhook)
      sources.set(name, {
        webhook: source.webhook,
        personKey: jsonata(source.webhook.personKey),
        ...(source.webhook.eventVersion ? { eventVersion: jsonata(source.webhook.eventVersion) } : {}),
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
      const check = checkWebhookSignature({
        secret: source.webhook.secret.reveal(),
        rawBody,
        signature: header(request.headers[source.webhook.signatureHeader.toLowerCase()]),
        timestamp: header(request.headers[source.webhook.timestampHeader.toLowerCase()]),
        toleranceSeconds: source.webhook.toleranceSeconds,
        nowMs: deps.now().getTime(),
      });
      if (!check.ok) {
        deps.logger.warn({ source: name, reason: check.reason }, 'webhook refused');
        return refuse(reply, 401, 'unauthorized', check.reason);
      }
      if (!(await deps.replay.firstSeen(name, check.digest, source.webhook.toleranceSeconds))) {
        deps.logger.warn({ source: name }, 'webhook replay refused');
        return refuse(reply, 409, 'replay', 'this signed request was already accepted');
      }
      let event: unknown;
      try {
        event = JSON.parse(rawBody.toString('utf8'));
      } catch (err) {
        return refuse(reply, 400, 'malformed', `body is not valid JSON: ${(err as Error).message}`);
      }
      const key = await personKeyOf(source.personKey, event);
      if (!key) {
        return refuse(
          reply,
          422,
          'no-person-key',
          `the event has no person key (sources.${name}.webhook.personKey gave no string or number)`,
        );
      }
      // The version is a hint like the event itself: one that cannot be read is left out, not refused.
      const eventVersion = source.eventVersion ? await personKeyOf(source.eventVersion, event) : undefined;
      const jobId = await deps.enqueuePerson({
        source: name,
        key,
        receivedAt: deps.now().toISOString(),
        ...(eventVersion ? { eventVersion } : {}),
      });
      return reply.code(202).send({ jobId });
    },
  );
}

/** A short string or a number the expression gives (a key, a version), or undefined. */
async function personKeyOf(expression: jsonata.Expression, event: unknown): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await expression.evaluate(event);
  } catch {
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '' && value.length <= 512) return value.trim();
  return undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function refuse(reply: FastifyReply, status: number, error: string, reason: string): FastifyReply {
  return reply.code(status).send({ error, reason });
}

function tooLarge(reply: FastifyReply, limit: number): FastifyReply {
  return refuse(reply, 413, 'too-large', `body is larger than ${limit} bytes`);
}
