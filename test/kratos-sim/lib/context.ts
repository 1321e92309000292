import { randomUUID } from 'node:crypto';
import type { SchemaRegistry } from './identity-schemas.ts';
import type { SimStore } from './store.ts';
import type { Profile } from './profiles.ts';
import type { ApiGeneration } from './types.ts';

/** Everything a route handler needs, compiled once at start and passed as the first argument. */
export interface SimContext {
  api: ApiGeneration;
  /** What the imitated release does differently; handlers read features from here, never the name. */
  profile: Profile;
  store: SimStore;
  schemas: SchemaRegistry;
  defaultSchemaId: string;
  /** Base URL of the single HTTP server (admin and public routes share it). */
  baseUrl: string;
  now: () => number;
  newId: () => string;
  sessionLifespanMs: number;
  /** Secret; when set, admin routes need it as a bearer token. */
  adminToken?: string;
  disabledRecoveryMethods: ReadonlySet<'link' | 'code'>;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export const newUuid = (): string => randomUUID();

export function schemaUrl(ctx: SimContext, schemaId: string): string {
  return `${ctx.baseUrl}/schemas/${Buffer.from(schemaId).toString('base64url')}`;
}
