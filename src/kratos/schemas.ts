import { asArray, refused, type KratosContext } from './context.ts';
import { KratosError } from './errors.ts';
import { readNextLink } from './next-page-link.ts';
import type { RequestPlan } from './requester.ts';
import type { IdentitySchemaSummary } from './types.ts';
import type { JsonObject } from '../domain/identity.ts';

/**
 * Identity schemas live on the public API (`GET /schemas`, `GET /schemas/{id}`; both specs: the list is
 * `[{id, schema}]`, one schema is the raw JSON Schema object). The admin port redirects these routes to the
 * public one, so without a configured publicUrl the request goes to the admin API and the redirects are
 * followed (without the bearer token once they leave the admin origin): v0.10 sends admin `/schemas` to
 * `/admin/schemas` and on to the public route.
 */
const SCHEMAS = '/schemas';

export async function listIdentitySchemas(ctx: KratosContext): Promise<IdentitySchemaSummary[]> {
  const schemas: IdentitySchemaSummary[] = [];
  const seenIds = new Set<string>();
  const seenPaths = new Set<string>();
  // v0.10 pages by offset; nobody has 1000 schemas, so one page is all of them.
  let path: string | undefined = ctx.capabilities.keysetPages ? SCHEMAS : `${SCHEMAS}?per_page=1000`;
  for (let pageNumber = 1; path !== undefined; pageNumber++) {
    const response = await ctx.call(schemaPlan(ctx, 'listIdentitySchemas', path));
    for (const item of asArray(response.data, 'listIdentitySchemas')) {
      const entry = item as { id?: unknown; schema?: unknown };
      if (typeof entry.id !== 'string' || seenIds.has(entry.id)) continue;
      seenIds.add(entry.id);
      schemas.push({ id: entry.id, schema: asObject(entry.schema, 'listIdentitySchemas') });
    }
    const next = ctx.capabilities.keysetPages
      ? readNextLink('listIdentitySchemas', response.headers.link, pageNumber)
      : undefined;
    path = next === undefined ? undefined : new URL(next, 'http://kratos.invalid').search;
    if (path !== undefined) {
      path = SCHEMAS + path;
      if (seenPaths.has(path))
        throw refused('listIdentitySchemas', 'the server returned a next link already followed');
      seenPaths.add(path);
    }
  }
  return schemas;
}

export async function getIdentitySchema(ctx: KratosContext, id: string): Promise<JsonObject> {
  const response = await ctx.call(
    schemaPlan(ctx, 'getIdentitySchema', `${SCHEMAS}/${encodeURIComponent(id)}`),
  );
  return asObject(response.data, 'getIdentitySchema');
}

function schemaPlan(ctx: KratosContext, operation: string, path: string): RequestPlan {
  return {
    operation,
    method: 'GET',
    path,
    api: ctx.config.publicUrl ? 'public' : 'admin',
    followRedirects: true,
    accept: [200],
    limit: { kind: 'read' },
    repeatable: true,
  };
}

function asObject(value: unknown, operation: string): JsonObject {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  throw new KratosError({
    status: undefined,
    operation,
    message: `Kratos ${operation}: schema is not a JSON object`,
  });
}
