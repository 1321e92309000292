import type { ApiGeneration } from '../lib/types.ts';

/**
 * Answers the real server gives that its own OpenAPI spec does not document. Each one is listed with the
 * reason (and the Kratos source that shows it); the validating fetch accepts exactly these and
 * nothing else. `template` is the simulator's route template, or `*` for router-level answers.
 */
export interface SpecDeviation {
  /** The profiles whose server answers this way, or `all`. */
  api: 'all' | readonly ApiGeneration[];
  method: string;
  template: string;
  status: number;
  /** When set, the deviation only covers answers with this content type (router-level text answers). */
  contentType?: string;
  /**
   * For a documented status whose body differs from the spec: the part of the body that differs is taken
   * out before the rest is validated against the documented schema.
   */
  relaxBody?: (body: unknown) => unknown;
  /** For a documented status whose body has another shape: validate against this component schema instead. */
  insteadValidateAs?: string;
  why: string;
}

/**
 * v1.0.0's spec marks a session's `identity` as required, but the admin session routes leave it out unless
 * asked (`expand=identity`) and the extend route never sends it (`session/handler.go:843-865@v1.0.0`). The
 * placeholder stands in for the missing identity so the rest of the session is still checked.
 */
const withPlaceholderIdentity = (session: unknown): unknown =>
  session && typeof session === 'object' && !('identity' in session)
    ? {
        ...session,
        identity: { id: '00000000-0000-0000-0000-000000000000', schema_id: '', schema_url: '', traits: {} },
      }
    : session;
const V1_0_SESSION_WHY =
  "v1.0.0's spec requires a session's identity, but its admin session routes answer without it unless expand=identity is asked, and extend never sends it (session/handler.go@v1.0.0).";

export const SPEC_DEVIATIONS: SpecDeviation[] = [
  {
    api: ['v1.0'],
    method: 'PATCH',
    template: '/admin/sessions/{id}/extend',
    status: 200,
    relaxBody: withPlaceholderIdentity,
    why: V1_0_SESSION_WHY,
  },
  {
    api: ['v1.0'],
    method: 'GET',
    template: '/admin/sessions/{id}',
    status: 200,
    relaxBody: withPlaceholderIdentity,
    why: V1_0_SESSION_WHY,
  },
  {
    api: ['v1.0'],
    method: 'GET',
    template: '/admin/sessions',
    status: 200,
    relaxBody: (body) => (Array.isArray(body) ? body.map(withPlaceholderIdentity) : body),
    why: V1_0_SESSION_WHY,
  },
  {
    api: 'all',
    method: '*',
    template: '*',
    status: 404,
    contentType: 'text/plain',
    why: 'Go router: unregistered paths answer plain-text "404 page not found" (julienschmidt/httprouter `router.go`).',
  },
  {
    api: 'all',
    method: '*',
    template: '*',
    status: 405,
    contentType: 'text/plain',
    why: 'Go router: a registered path with an unregistered method answers 405 (julienschmidt/httprouter, net/http ServeMux).',
  },
  {
    api: ['v0.10', 'v1.0', 'v1', 'v25.4'],
    method: '*',
    template: '*',
    status: 307,
    why: 'Up to v25.4 the admin port redirects non-/admin paths to /admin/... (x/http_redirect_admin.go).',
  },
  {
    api: ['v0.10'],
    method: 'GET',
    template: '/admin/sessions',
    status: 307,
    why: 'v0.10 has no admin session list; it 307-redirects to the public /sessions (`session/handler.go@v0.10.1`).',
  },
  {
    api: ['v0.10'],
    method: 'DELETE',
    template: '/admin/sessions/{id}',
    status: 307,
    why: 'v0.10 cannot revoke one session as admin; it 307-redirects to the public route (`session/handler.go@v0.10.1`).',
  },
  {
    api: 'all',
    method: 'GET',
    template: '/self-service/recovery',
    status: 303,
    why: 'The link strategy serves GET /self-service/recovery?flow&token (the admin recovery link, `selfservice/strategy/link/strategy_recovery.go`) but the spec documents only POST.',
  },
  {
    api: 'all',
    method: 'GET',
    template: '/admin/health/alive',
    status: 200,
    why: 'Admin-port health routes exist (`driver/registry_default.go`) but the spec documents only the public /health/alive.',
  },
  {
    api: 'all',
    method: 'GET',
    template: '/admin/health/ready',
    status: 200,
    why: 'Admin-port health routes exist (`driver/registry_default.go`) but the spec documents only the public /health/ready.',
  },
  {
    api: 'all',
    method: 'GET',
    template: '/admin/version',
    status: 200,
    why: 'The admin port serves /admin/version (`driver/registry_default.go`); the spec documents it as /version.',
  },
  {
    api: ['v0.10'],
    method: 'GET',
    template: '/admin/identities/{id}',
    status: 400,
    why: 'An invalid include_credential is a 400 at both tags (`identity/handler.go` `get`); the v0.10 spec lists only 200/404/500.',
  },
  {
    api: ['v26', 'v25.4', 'v1', 'v1.0'],
    method: 'PATCH',
    template: '/admin/identities',
    status: 200,
    relaxBody: (body) => {
      const b = body as { identities?: unknown[] };
      return { ...b, identities: (b.identities ?? []).filter((entry) => entry !== null) };
    },
    why: 'A batch entry without `create` yields a JSON null in its slot (`identity/handler_test.go` "ignores create nil bodies"); the spec types every item as an object.',
  },
  {
    api: ['v26', 'v25.4', 'v1', 'v1.0'],
    method: 'GET',
    template: '/health/ready',
    status: 503,
    insteadValidateAs: 'errorGeneric',
    why: 'v26 writes readiness failures with WriteErrorCode(503, …): a herodot envelope with code 500 (ory/x `healthx/handler.go`), not the documented {"errors": {...}}.',
  },
  {
    api: ['v26', 'v25.4', 'v1', 'v1.0'],
    method: 'GET',
    template: '/admin/health/ready',
    status: 503,
    insteadValidateAs: 'errorGeneric',
    why: 'As /health/ready; the admin route is undocumented, its body is the herodot envelope.',
  },
  {
    api: ['v0.10'],
    method: 'GET',
    template: '/admin/health/ready',
    status: 503,
    insteadValidateAs: 'healthNotReadyStatus',
    why: 'Admin-port readiness is undocumented; its body is the same as the public one.',
  },
];

/** A deviation that excuses a body shape, for a documented status. */
export function findBodyDeviation(
  api: ApiGeneration,
  method: string,
  template: string | undefined,
  status: number,
) {
  return SPEC_DEVIATIONS.find(
    (d) =>
      (d.relaxBody !== undefined || d.insteadValidateAs !== undefined) &&
      (d.api === 'all' || d.api.includes(api)) &&
      d.method === method &&
      d.template === template &&
      d.status === status,
  );
}

export function findDeviation(
  api: ApiGeneration,
  method: string,
  template: string | undefined,
  status: number,
  contentType: string,
): SpecDeviation | undefined {
  return SPEC_DEVIATIONS.find(
    (d) =>
      (d.api === 'all' || d.api.includes(api)) &&
      d.relaxBody === undefined &&
      d.insteadValidateAs === undefined &&
      (d.method === '*' || d.method === method) &&
      (d.template === '*' || d.template === template) &&
      d.status === status &&
      (d.contentType === undefined || contentType.startsWith(d.contentType)),
  );
}
