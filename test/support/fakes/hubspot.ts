import { startVendorServer, type VendorAnswer } from './vendor-server.ts';

/** A HubSpot contact as the tests describe it. */
export interface Contact {
  id: string;
  email?: string;
  firstname?: string;
  lastname?: string;
  company?: string;
  jobtitle?: string;
  lifecyclestage?: string;
  updatedAt: string;
}

/**
 * A fake HubSpot CRM API (https://developers.hubspot.com/docs/api/crm/contacts): `GET
 * /crm/v3/objects/contacts?limit=&after=&properties=` (at most 100 a page, `paging.next.after` while more
 * remain) and `GET /crm/v3/objects/contacts/{id}`; a private-app bearer token whose scopes are checked;
 * HubSpot's error body (`{ status: "error", message, correlationId, category }`) and its 429 with
 * `X-HubSpot-RateLimit-*` headers and no Retry-After.
 */
export async function startFakeHubSpot(options: { token: string; contacts: Contact[]; scopes?: string[] }) {
  const state = { contacts: options.contacts };
  const scopes = options.scopes ?? ['crm.objects.contacts.read'];
  const server = await startVendorServer((request) => {
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return hubspotError(401, 'Authentication credentials not found.', 'INVALID_AUTHENTICATION');
    }
    if (!scopes.includes('crm.objects.contacts.read')) {
      return hubspotError(
        403,
        "This app hasn't been granted all required scopes to make this call.",
        'MISSING_SCOPES',
      );
    }
    const properties = (request.query.get('properties') ?? 'email,firstname,lastname').split(',');
    if (request.method === 'GET' && request.path === '/crm/v3/objects/contacts') {
      const limit = Math.min(Number(request.query.get('limit') ?? 10), 100);
      const start = Number(request.query.get('after') ?? 0);
      const page = state.contacts.slice(start, start + limit);
      const next = start + limit < state.contacts.length ? String(start + limit) : undefined;
      return {
        status: 200,
        body: {
          results: page.map((c) => render(c, properties)),
          ...(next
            ? {
                paging: {
                  next: { after: next, link: `https://api.hubapi.com/crm/v3/objects/contacts?after=${next}` },
                },
              }
            : {}),
        },
      };
    }
    const one = /^\/crm\/v3\/objects\/contacts\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && one) {
      const contact = state.contacts.find((c) => c.id === decodeURIComponent(one[1]!));
      return contact
        ? { status: 200, body: render(contact, properties) }
        : hubspotError(404, 'Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND');
    }
    return hubspotError(404, 'Not found', 'NOT_FOUND');
  });
  return {
    ...server,
    /** The records served: edit them in place between reads. */
    contacts: state.contacts,
    /** HubSpot's answer to a spent per-second allowance (no Retry-After; the limits are in headers). */
    rateLimitNext(times = 1) {
      server.answerNext(
        {
          status: 429,
          body: {
            status: 'error',
            message: 'You have reached your secondly limit.',
            errorType: 'RATE_LIMIT',
            correlationId: 'c0ffee00-0000-4000-8000-000000000429',
            policyName: 'SECONDLY',
          },
          headers: {
            'x-hubspot-ratelimit-interval-milliseconds': '10000',
            'x-hubspot-ratelimit-max': '190',
            'x-hubspot-ratelimit-remaining': '150',
            'x-hubspot-ratelimit-secondly': '19',
            'x-hubspot-ratelimit-secondly-remaining': '0',
          },
        },
        times,
      );
    },
  };
}

function render(c: Contact, properties: string[]) {
  const all: Record<string, string | null> = {
    email: c.email ?? null,
    firstname: c.firstname ?? null,
    lastname: c.lastname ?? null,
    company: c.company ?? null,
    jobtitle: c.jobtitle ?? null,
    lifecyclestage: c.lifecyclestage ?? null,
    hs_object_id: c.id,
    lastmodifieddate: c.updatedAt,
    createdate: '2025-01-01T00:00:00.000Z',
  };
  const shown: Record<string, string | null> = {};
  for (const p of properties) shown[p] = all[p] ?? null;
  return {
    id: c.id,
    properties: shown,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: c.updatedAt,
    archived: false,
  };
}

function hubspotError(status: number, message: string, category: string): VendorAnswer {
  return {
    status,
    body: { status: 'error', message, correlationId: 'c0ffee00-0000-4000-8000-000000000000', category },
  };
}
