import type { Redis } from 'ioredis';
import type { ScimInboundConnection } from '../../config/sections/scim-inbound.ts';
import type { Logger } from '../../log/logger.ts';
import type { ResourceStore } from '../../scim/resource-store.ts';
import type { ScimAuthenticator } from './scim-auth.ts';
import type { ScimEngineDeps } from './scim-engine.ts';

/** One scim-inbound source as the HTTP side serves it. */
export interface ScimSource {
  name: string;
  connection: ScimInboundConnection;
  users: ResourceStore;
  groups: ResourceStore;
  authenticate: ScimAuthenticator;
}

/** What the SCIM handlers share: stores, the engine bridge, the clock. */
export interface ScimDeps {
  redis: Redis;
  /** The Redis key prefix (config.redis.prefix); not `prefix`, which fastify reads as a route prefix. */
  keyPrefix: string;
  now: () => Date;
  logger: Logger;
  /** The engine: without it (no engine context) writes are stored and queued for the worker. */
  engine?: ScimEngineDeps;
  enqueuePerson: ScimEngineDeps['enqueuePerson'];
}

/** One authenticated request, routed to a source. */
export interface ScimCall {
  source: ScimSource;
  client: string;
  /** The base URL the client used (`…/scim/v2` or `…/scim/v2/<source>`): locations are built from it. */
  baseUrl: string;
  query: Record<string, unknown>;
  body: unknown;
  /** Records what the engine did, for the request log. */
  note(outcome: string, runId?: string): void;
}

export interface ScimAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
