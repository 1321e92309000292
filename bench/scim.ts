/**
 * scim: Okta-style provisioning into kratos-sync's SCIM endpoint. `kratos-sync worker --role worker,http`
 * runs as its own process with the shipped example (`config/examples/scim-inbound.yaml`, its Redis prefix
 * and rate limit lifted for the run); the simulator (v26, 5 ms per request, serving the example's identity
 * schema) runs in another. Each user is provisioned as Okta does it: `GET /Users?filter=userName eq "…"`,
 * then `POST /Users`, which answers only once the identity exists in Kratos. Measured: creates per second
 * at 1 and at 8 clients in flight, and the answer time of the POSTs (p50/p90/p99).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { freePort } from '../test/support/redis-server.ts';
import { startSimProcess } from './support/sim-process.ts';
import { goal, int, ms, type BenchOptions, type BenchResult } from './support/report.ts';

const LATENCY_MS = 5;
const TOKEN = 'bench-scim-token-0123456789abcdef0123456789';
const REPO = path.resolve(import.meta.dirname, '..');
const EXAMPLE = path.join(REPO, 'config/examples/scim-inbound.yaml');
const SCHEMA = path.join(REPO, 'config/examples/scim-inbound.schema.json');

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

interface Pass {
  users: number;
  wallMs: number;
  postMs: number[];
  lookupMs: number[];
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const sequential = options.quick ? 100 : 500;
  const parallel = options.quick ? 400 : 3_000;
  const sim = await startSimProcess({
    api: 'v26',
    schemas: { 'scim-user': JSON.parse(readFileSync(SCHEMA, 'utf8')) as object },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-bench-scim-'));
  const port = await freePort();
  const config = parseYaml(readFileSync(EXAMPLE, 'utf8')) as {
    redis: { prefix?: string };
    log?: unknown;
    sources: { directory: { connection: { clients: Array<Record<string, unknown>> } } };
  };
  config.redis.prefix = `{bench-scim-${process.pid}}`;
  config.log = { level: 'warn' };
  config.sources.directory.connection.clients[0]!.rateLimit = { requests: 1_000_000, windowSeconds: 60 };
  const file = path.join(dir, 'scim-inbound.yaml');
  writeFileSync(file, stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(REPO, 'src/app/bin.ts'), '-c', file, 'worker', '--role', 'worker,http'],
    {
      cwd: REPO,
      env: {
        ...process.env,
        KRATOS_SYNC_CONFIG: '',
        SCIM_TOKEN: TOKEN,
        KRATOS_ADMIN_URL: sim.url,
        REDIS_URL: options.redisUrl,
        HTTP_PORT: String(port),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}/scim/v2`;
  try {
    await sim.setFaults({ latencyMs: LATENCY_MS });
    await waitUntilUp(base);
    const one = await provision(base, 'seq', sequential, 1);
    const eight = await provision(base, 'par', parallel, 8);
    const managed = await sim.managed();
    const duplicates = Object.values(managed).filter((m) => m.copies > 1).length;
    const created = Object.keys(managed).length;
    const stats = await sim.stats();
    const byRoute = Object.fromEntries(
      Object.entries(stats.requests).map(([route, byStatus]) => [
        route,
        Object.values(byStatus as Record<string, number>).reduce((a, b) => a + b, 0),
      ]),
    );
    const kratosCalls = Object.entries(byRoute)
      .filter(([route]) => !route.startsWith('GET /health') && route !== 'GET /schemas')
      .reduce((sum, [, n]) => sum + n, 0);
    const sorted = [...eight.postMs].sort((a, b) => a - b);
    const sortedOne = [...one.postMs].sort((a, b) => a - b);
    const rate = (pass: Pass) => (pass.users / pass.wallMs) * 1000;
    return {
      name: 'scim',
      title: `SCIM provisioning, Okta's sequence (lookup + create), Kratos v26 at ${LATENCY_MS} ms per request`,
      figures: [
        ['users provisioned', `${int(sequential)} one at a time + ${int(parallel)} with 8 in flight`],
        ['identities in Kratos', `${int(created)} (duplicates: ${duplicates})`],
        ['Kratos requests per create', (kratosCalls / created).toFixed(2)],
        [
          'Kratos requests by route',
          Object.entries(byRoute)
            .map(([route, n]) => `${route} ${int(n)}`)
            .join(', '),
        ],
        ['creates/s, 1 in flight', rate(one).toFixed(1)],
        ['creates/s, 8 in flight', rate(eight).toFixed(1)],
        [
          'POST answer, 1 in flight',
          `p50 ${ms(percentile(sortedOne, 0.5))}, p99 ${ms(percentile(sortedOne, 0.99))}`,
        ],
        [
          'POST answer, 8 in flight',
          `p50 ${ms(percentile(sorted, 0.5))}, p90 ${ms(percentile(sorted, 0.9))}, p99 ${ms(percentile(sorted, 0.99))}`,
        ],
        [
          'lookup answer, 8 in flight',
          `p99 ${ms(
            percentile(
              [...eight.lookupMs].sort((a, b) => a - b),
              0.99,
            ),
          )}`,
        ],
      ],
      goals: [
        goal(
          'every user exactly once in Kratos',
          `${sequential + parallel}`,
          `${created}, ${duplicates} duplicates`,
          created === sequential + parallel && duplicates === 0,
        ),
        goal(
          'POST p99 well inside the default connection.syncTimeoutMs (20 s)',
          '< 10 s',
          ms(percentile(sorted, 0.99)),
          percentile(sorted, 0.99) < 10_000,
        ),
      ],
      notes: [
        'Each POST answers after the identity is written (the engine runs while the directory waits): the time is find-person lookups + the create + the marker index, at 5 ms per Kratos request.',
        'kratos-sync and the simulator are separate processes on the same 2 cores; the load generator runs in the bench process.',
      ],
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntilUp(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/ServiceProviderConfig`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('scim bench: kratos-sync did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `count` users, `inFlight` at a time, each looked up then created; throws on any unexpected answer. */
async function provision(base: string, label: string, count: number, inFlight: number): Promise<Pass> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
  const postMs: number[] = [];
  const lookupMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let n = next++; n < count; n = next++) {
      const userName = `${label}${n}@bench.example`;
      let t = performance.now();
      const lookup = await fetch(`${base}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, {
        headers,
      });
      await lookup.arrayBuffer();
      lookupMs.push(performance.now() - t);
      t = performance.now();
      const post = await fetch(`${base}/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          externalId: `00u${label}${n}`,
          name: { givenName: `Given${n}`, familyName: `Family${n}` },
          emails: [{ primary: true, value: userName, type: 'work' }],
          active: true,
        }),
      });
      const body = await post.text();
      postMs.push(performance.now() - t);
      if (post.status !== 201)
        throw new Error(`scim bench: POST answered ${post.status}: ${body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { users: count, wallMs: performance.now() - started, postMs, lookupMs };
}
