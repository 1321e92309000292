import { PROFILES } from '../lib/profiles.ts';
import { KRATOS_ROUTES } from '../lib/routes/kratos-routes.ts';
import type { OpenApiSpec } from './openapi-spec.ts';
import { findBodyDeviation, findDeviation, type SpecDeviation } from './spec-deviations.ts';

/**
 * `fetch` that checks every answer against the official OpenAPI spec of the release under test: the
 * operation must exist, the status must be documented (or covered by `default`), and a JSON body must
 * match the documented schema. Answers the spec does not cover must be listed in `SPEC_DEVIATIONS`.
 * Redirects are not followed, so 303/307 answers are checked too.
 */
export interface CheckedResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, when the answer has one. */
  body: unknown;
  /** The deviation that excused this answer, if any. */
  deviation?: SpecDeviation;
}

export interface CheckedFetch {
  (path: string, init?: RequestInit & { json?: unknown }): Promise<CheckedResponse>;
  /** Number of answers validated against a schema, and excused as deviations. */
  counts: CheckCounts;
}

export class SpecViolation extends Error {
  override name = 'SpecViolation';
}

export interface CheckCounts {
  validated: number;
  noBody: number;
  deviations: number;
  /** Answers made by the simulated edge (injected faults), which the spec cannot describe. */
  edgeFaults: number;
}

/** Fault kinds that stand for the network or Ory's edge, not for Kratos itself (formats UNCONFIRMED). */
const EDGE_FAULTS = new Set([
  'error',
  'rateLimited',
  'inflightRejected',
  'budgetRejected',
  'unavailable',
  'unauthorized',
]);

/**
 * Checks one answer against the spec; throws `SpecViolation` when it is neither documented nor a listed
 * deviation. Returns the parsed body and the deviation that excused it, if any.
 */
export function checkAnswer(
  spec: OpenApiSpec,
  counts: CheckCounts,
  method: string,
  path: string,
  res: { status: number; headers: Headers; text: string },
): { body: unknown; deviation?: SpecDeviation } {
  const { status, headers, text } = res;
  const contentType = headers.get('content-type') ?? '';
  const isJson = contentType.startsWith('application/json');
  const body = isJson && text !== '' ? (JSON.parse(text) as unknown) : undefined;
  const fault = headers.get('x-kratos-sim-fault');
  if (fault && EDGE_FAULTS.has(fault)) {
    counts.edgeFaults++;
    return { body };
  }
  const pathOnly = path.split('?')[0]!;
  const where = `${spec.api}: ${method} ${path} → ${status}`;
  const template = simTemplate(pathOnly);
  // v26 serves unprefixed admin paths itself; the spec knows them under /admin.
  const op =
    spec.operation(method, pathOnly) ??
    (PROFILES[spec.api].unprefixedAdmin === 'rewrite' && !pathOnly.startsWith('/admin')
      ? spec.operation(method, `/admin${pathOnly}`)
      : undefined);
  const bodyDeviation = findBodyDeviation(spec.api, method, template, status);
  let validator = op ? spec.responseValidator(op, status) : undefined;
  if (bodyDeviation?.insteadValidateAs) validator = spec.componentValidator(bodyDeviation.insteadValidateAs);
  if (validator === undefined) {
    const deviation = findDeviation(spec.api, method, template, status, contentType);
    if (!deviation)
      throw new SpecViolation(
        `${where} is not documented (${op ? spec.describe(op, status) : 'no such operation in the spec'}) and not a listed deviation. Body: ${text.slice(0, 300)}`,
      );
    counts.deviations++;
    return { body, deviation };
  }
  if (validator === null) {
    if (text !== '')
      throw new SpecViolation(`${where}: the spec documents no body, got: ${text.slice(0, 200)}`);
    counts.noBody++;
    return { body };
  }
  if (!isJson)
    throw new SpecViolation(`${where}: expected a JSON body, got "${contentType}": ${text.slice(0, 200)}`);
  if (bodyDeviation) counts.deviations++;
  const checked = bodyDeviation?.relaxBody ? bodyDeviation.relaxBody(body) : body;
  if (!validator(checked))
    throw new SpecViolation(
      `${where} does not match the spec schema: ${JSON.stringify(validator.errors?.slice(0, 5))}\nBody: ${text.slice(0, 500)}`,
    );
  counts.validated++;
  return bodyDeviation ? { body, deviation: bodyDeviation } : { body };
}

export function checkedFetch(spec: OpenApiSpec, baseUrl: string): CheckedFetch {
  const counts: CheckCounts = { validated: 0, noBody: 0, deviations: 0, edgeFaults: 0 };
  const fn = async (path: string, init: RequestInit & { json?: unknown } = {}): Promise<CheckedResponse> => {
    const { json, ...rest } = init;
    const method = (rest.method ?? 'GET').toUpperCase();
    const headers = new Headers(rest.headers);
    if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    const res = await fetch(`${baseUrl}${path}`, {
      ...rest,
      method,
      headers,
      redirect: 'manual',
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    const text = await res.text();
    const checked = checkAnswer(spec, counts, method, path, {
      status: res.status,
      headers: res.headers,
      text,
    });
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: checked.body,
      ...(checked.deviation ? { deviation: checked.deviation } : {}),
    };
  };
  return Object.assign(fn, { counts });
}

/** The simulator's route template for a concrete path (`/admin` added when the path lacks it). */
function simTemplate(path: string): string | undefined {
  const match = (p: string) =>
    KRATOS_ROUTES.find((r) => {
      const a = r.template.split('/');
      const b = p.split('/');
      return a.length === b.length && a.every((s, i) => s.startsWith('{') || s === b[i]);
    })?.template;
  return match(path) ?? (path.startsWith('/admin') ? undefined : match(`/admin${path}`));
}
