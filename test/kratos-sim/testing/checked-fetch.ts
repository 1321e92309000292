import { KRATOS_ROUTES } from '../lib/routes/kratos-routes.ts';
import type { OpenApiSpec } from './openapi-spec.ts';
import { findBodyDeviation, findDeviation, type SpecDeviation } from './spec-deviations.ts';

/**
 * `fetch` that checks every answer against the official OpenAPI spec of the generation under test: the
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
  counts: { validated: number; noBody: number; deviations: number };
}

export class SpecViolation extends Error {
  override name = 'SpecViolation';
}

export function checkedFetch(spec: OpenApiSpec, baseUrl: string): CheckedFetch {
  const counts = { validated: 0, noBody: 0, deviations: 0 };
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
    const contentType = res.headers.get('content-type') ?? '';
    const isJson = contentType.startsWith('application/json');
    const body = isJson && text !== '' ? (JSON.parse(text) as unknown) : undefined;
    const out: CheckedResponse = { status: res.status, headers: res.headers, text, body };
    const pathOnly = path.split('?')[0]!;
    const where = `${method} ${path} → ${res.status}`;

    const op = spec.operation(method, pathOnly);
    const bodyDeviation = findBodyDeviation(spec.api, method, simTemplate(pathOnly), res.status);
    let validator = op ? spec.responseValidator(op, res.status) : undefined;
    if (bodyDeviation?.insteadValidateAs)
      validator = spec.componentValidator(bodyDeviation.insteadValidateAs);
    if (validator === undefined) {
      const deviation = findDeviation(spec.api, method, simTemplate(pathOnly), res.status, contentType);
      if (!deviation)
        throw new SpecViolation(
          `${spec.api}: ${where} is not documented (${op ? spec.describe(op, res.status) : 'no such operation in the spec'}) and not a listed deviation. Body: ${text.slice(0, 300)}`,
        );
      counts.deviations++;
      out.deviation = deviation;
      return out;
    }
    if (validator === null) {
      if (text !== '')
        throw new SpecViolation(
          `${spec.api}: ${where}: the spec documents no body, got: ${text.slice(0, 200)}`,
        );
      counts.noBody++;
      return out;
    }
    if (!isJson)
      throw new SpecViolation(
        `${spec.api}: ${where}: expected a JSON body, got "${contentType}": ${text.slice(0, 200)}`,
      );
    if (bodyDeviation) {
      counts.deviations++;
      out.deviation = bodyDeviation;
    }
    const checked = bodyDeviation?.relaxBody ? bodyDeviation.relaxBody(body) : body;
    if (!validator(checked))
      throw new SpecViolation(
        `${spec.api}: ${where} does not match the spec schema: ${JSON.stringify(validator.errors?.slice(0, 5))}\nBody: ${text.slice(0, 500)}`,
      );
    counts.validated++;
    return out;
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
