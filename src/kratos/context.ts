import type { KratosConfig } from '../config/sections/kratos.ts';
import type { Logger } from '../log/logger.ts';
import { KratosError } from './errors.ts';
import { errorFromResponse, type KratosResponse } from './http.ts';
import type { RequestPlan, Requester } from './requester.ts';
import type { Identity } from '../domain/identity.ts';
import type { KratosCapabilities } from './types.ts';

/** What every operation module is built from (compiled once in createKratosClient). */
export interface KratosContext {
  call: Requester;
  capabilities: KratosCapabilities;
  config: KratosConfig;
  logger: Logger;
  now: () => number;
}

/** An operation this server generation does not have; thrown before anything is sent. */
export function unsupported(operation: string, capabilities: KratosCapabilities, what: string): KratosError {
  return new KratosError({
    status: undefined,
    operation,
    message: `Kratos ${operation}: ${what} is not available on this server (API generation ${capabilities.generation})`,
  });
}

/** A request the client refuses to send (bad argument); permanent. */
export function refused(operation: string, why: string): KratosError {
  return new KratosError({ status: undefined, operation, message: `Kratos ${operation}: ${why}` });
}

/**
 * A 404 means "not there" only when Kratos itself said so (a JSON envelope). A plain-text 404 comes from
 * a router or proxy — a route this server does not have, or an adminUrl pointing at the wrong place — and
 * must not be read as "already deleted".
 */
export function isKratosNotFound(plan: RequestPlan, response: KratosResponse, nowMs: number): boolean {
  if (response.status !== 404) return false;
  if (!response.json) throw errorFromResponse(plan, response, nowMs);
  return true;
}

export function identityPath(id: string): string {
  return `/admin/identities/${encodeURIComponent(id)}`;
}

/** Light shape check: an identity is an object with a string id (full validation would cost 100k parses). */
export function asIdentity(data: unknown, operation: string): Identity {
  if (data !== null && typeof data === 'object' && typeof (data as { id?: unknown }).id === 'string') {
    return data as Identity;
  }
  throw new KratosError({
    status: undefined,
    operation,
    message: `Kratos ${operation}: the answer is not an identity (no string "id")`,
  });
}

export function asArray(data: unknown, operation: string): unknown[] {
  if (Array.isArray(data)) return data;
  throw new KratosError({
    status: undefined,
    operation,
    message: `Kratos ${operation}: expected a JSON array in the answer`,
  });
}
