import { z } from 'zod';
import { SourceError } from '../types.ts';

/** RFC 7644 §3.4.2 ListResponse: what paging needs. `Resources` may be absent when there are none. */
const listResponse = z.looseObject({
  totalResults: z.int().min(0),
  Resources: z.array(z.unknown()).optional(),
  // Some servers spell it in lower case.
  resources: z.array(z.unknown()).optional(),
});

export interface ScimList {
  totalResults: number;
  resources: unknown[];
}

export function parseListResponse(body: unknown, sourceName: string, what: string): ScimList {
  const parsed = listResponse.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new SourceError(`${sourceName}: ${what}: not a SCIM ListResponse (${issues})`, {
      transient: false,
    });
  }
  return {
    totalResults: parsed.data.totalResults,
    resources: parsed.data.Resources ?? parsed.data.resources ?? [],
  };
}

/** A filter string literal (RFC 7644 §3.4.2.2: JSON string rules). */
export function scimString(value: string): string {
  return JSON.stringify(value);
}
