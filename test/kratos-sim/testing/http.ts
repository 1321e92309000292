import type { KratosSim } from '../index.ts';
import type { ApiGeneration } from '../lib/types.ts';
import { type CheckCounts, checkAnswer } from './checked-fetch.ts';
import { OpenApiSpec } from './openapi-spec.ts';

const specs = new Map<ApiGeneration, OpenApiSpec>();
/** What `send` has checked in this test file, per generation (asserted by the suites that use it). */
export const sendCounts: CheckCounts = { validated: 0, noBody: 0, deviations: 0, edgeFaults: 0 };

/**
 * Small HTTP helpers for the simulator's own tests. Every Kratos answer `send` receives is checked
 * against the official OpenAPI spec of the simulator's generation (see checked-fetch.ts); `/_sim/*`
 * answers are the simulator's own and are not.
 */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Test convenience: bodies are asserted field by field.
  body: any;
}

export async function send(
  sim: KratosSim,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Answer> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(`${sim.url}${path}`, {
    redirect: 'manual',
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await res.text();
  const url = new URL(path, sim.url);
  if (url.pathname.startsWith('/_sim/')) {
    const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: isJson && text ? JSON.parse(text) : undefined,
    };
  }
  let spec = specs.get(sim.api);
  if (!spec) specs.set(sim.api, (spec = new OpenApiSpec(sim.api)));
  const method = (rest.method ?? 'GET').toUpperCase();
  const { body } = checkAnswer(spec, sendCounts, method, url.pathname + url.search, {
    status: res.status,
    headers: res.headers,
    text,
  });
  return { status: res.status, headers: res.headers, text, body };
}

export const employeeTraits = (n: number, tag = 't') => ({
  email: `emp${n}-${tag}@example.com`,
  name: { first: 'Eve', last: `Number${n}` },
});

/**
 * Creates `count` employees over HTTP: v26 through batch PATCH (1000 per request), v0.10 through POSTs
 * with a few in parallel. Returns their ids.
 */
export async function seedEmployees(sim: KratosSim, count: number, tag = 'seed'): Promise<string[]> {
  const ids: string[] = [];
  if (sim.api === 'v26') {
    for (let start = 0; start < count; start += 1000) {
      const identities = [];
      for (let n = start; n < Math.min(count, start + 1000); n++)
        identities.push({ create: { schema_id: 'employee', traits: employeeTraits(n, tag) } });
      const res = await send(sim, '/admin/identities', { method: 'PATCH', json: { identities } });
      if (res.status !== 200) throw new Error(`seed batch failed: ${res.status} ${res.text}`);
      for (const r of res.body.identities as Array<{ action: string; identity: string }>) {
        if (r.action !== 'create') throw new Error(`seed entry failed: ${JSON.stringify(r)}`);
        ids.push(r.identity);
      }
    }
    return ids;
  }
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const res = await send(sim, '/admin/identities', {
        method: 'POST',
        json: { schema_id: 'employee', traits: employeeTraits(n, tag) },
      });
      if (res.status !== 201) throw new Error(`seed create failed: ${res.status} ${res.text}`);
      ids.push(res.body.id as string);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}
