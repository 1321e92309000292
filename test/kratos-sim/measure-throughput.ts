// Measures the simulator's request rate on this machine: `node test/kratos-sim/measure-throughput.ts`.
// The simulator runs as its own process (the standalone bin) so client and server do not share an event
// loop, and is driven over keep-alive connections with a fixed number of requests in flight.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const IDENTITIES = Number(process.env.IDENTITIES ?? 100_000);
const api = process.env.API === 'v0.10' ? 'v0.10' : 'v26';

const child = spawn(
  process.execPath,
  [fileURLToPath(new URL('./bin.ts', import.meta.url)), '--port', '0', '--api', api],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const base = /listening on (\S+)/.exec(line)![1]!;
const dispatcher = new Agent({ connections: CONCURRENCY, pipelining: 1 });

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    dispatcher,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function measure(
  label: string,
  total: number,
  makeRequest: (i: number) => Promise<{ status: number }>,
  expected: number,
) {
  let next = 0;
  let bad = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        if ((await makeRequest(i)).status !== expected) bad++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(44)} ${String(total).padStart(7)} req  ${(total / seconds).toFixed(0).padStart(6)} req/s${bad ? `  (${bad} unexpected)` : ''}`,
  );
}

const traits = (n: number) => ({ email: `bench${n}@example.com`, name: { first: 'B', last: `N${n}` } });
const created: Array<{ id: string; n: number }> = [];
await measure(
  'POST /admin/identities (create)',
  5_000,
  async (i) => {
    const res = await call('POST', '/admin/identities', { schema_id: 'employee', traits: traits(i) });
    created.push({ id: (res.json as { id: string }).id, n: i });
    return res;
  },
  201,
);
const ids = created.map((c) => c.id);

if (api === 'v26') {
  const started = performance.now();
  for (let start = 5_000; start < IDENTITIES; start += 1000) {
    const identities = Array.from({ length: Math.min(1000, IDENTITIES - start) }, (_, k) => ({
      create: { schema_id: 'employee', traits: traits(start + k) },
    }));
    const res = await call('PATCH', '/admin/identities', { identities });
    if (res.status !== 200) throw new Error(`batch failed: ${res.status}`);
  }
  const s = (performance.now() - started) / 1000;
  console.log(
    `${'PATCH /admin/identities (batch of 1000)'.padEnd(44)} ${String(IDENTITIES - 5_000).padStart(7)} ids  ${((IDENTITIES - 5_000) / s).toFixed(0).padStart(6)} ids/s`,
  );
}

await measure(
  'GET /admin/identities/{id}',
  20_000,
  (i) => call('GET', `/admin/identities/${ids[i % ids.length]}`),
  200,
);
await measure('GET /sessions/whoami (401, no token)', 20_000, () => call('GET', '/sessions/whoami'), 401);
const listPath = api === 'v26' ? '/admin/identities?page_size=500' : '/admin/identities?per_page=500&page=50';
await measure(`GET ${listPath}`, 400, () => call('GET', listPath), 200);
await measure(
  'PUT /admin/identities/{id}',
  5_000,
  (i) => {
    const { id, n } = created[i % created.length]!;
    return call('PUT', `/admin/identities/${id}`, {
      schema_id: 'employee',
      traits: traits(n),
      state: 'active',
    });
  },
  200,
);

child.kill('SIGTERM');
await dispatcher.close();
