import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../queue/helpers.ts';
import { freePort, startRedisServer, type RedisServerHandle } from '../support/redis-server.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'walkthrough-token-0123456789abcdef0123456789';

const children: ChildProcess[] = [];
let redis: RedisServerHandle | undefined;
const output: string[] = [];

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, KRATOS_SYNC_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  children.push(child);
  return child;
}

afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  }
  await redis?.stop();
});

// README "Provision from Okta / Entra ID", as written: `kratos-sim --schema scim-user=<example schema>` and
// `kratos-sync worker --role worker,http --config config/examples/scim-inbound.yaml`, configured only
// through SCIM_TOKEN, KRATOS_ADMIN_URL, REDIS_URL and HTTP_PORT, are a working SCIM endpoint.
it('serves SCIM from the shipped example and the simulator started with --schema', async () => {
  redis = await startRedisServer();
  const [simPort, httpPort] = [await freePort(), await freePort()];
  start(
    [
      'test/kratos-sim/bin.ts',
      '--port',
      String(simPort),
      '--schema',
      'scim-user=config/examples/scim-inbound.schema.json',
    ],
    {},
  );
  const kratos = `http://127.0.0.1:${simPort}`;
  await waitFor('the simulator', async () => (await fetch(`${kratos}/health/ready`)).ok, 30_000);
  const schemas = (await (await fetch(`${kratos}/schemas`)).json()) as Array<{ id: string }>;
  expect(schemas.map((s) => s.id)).toContain('scim-user');

  const worker = start(
    ['src/app/bin.ts', 'worker', '--role', 'worker,http', '--config', 'config/examples/scim-inbound.yaml'],
    {
      SCIM_TOKEN: TOKEN,
      KRATOS_ADMIN_URL: kratos,
      REDIS_URL: redis.url,
      HTTP_PORT: String(httpPort),
    },
  );
  const base = `http://127.0.0.1:${httpPort}/scim/v2`;
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
  await waitFor(
    'the SCIM endpoint',
    async () => (await fetch(`${base}/ServiceProviderConfig`, { headers })).ok,
    60_000,
  );
  for (const url of [`${base}/Users`, `${base}/directory/Users`]) {
    const r = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `walk${url.length}@example.com`,
        emails: [{ value: 'shared@example.com', primary: true }],
      }),
    });
    expect(r.status).toBe(201);
  }
  // Both people share an e-mail address: plain traits, so Kratos takes both.
  const identities = (await (await fetch(`${kratos}/admin/identities`)).json()) as Array<{
    schema_id: string;
    traits: { email: string };
  }>;
  expect(identities.map((i) => [i.schema_id, i.traits.email])).toEqual([
    ['scim-user', 'shared@example.com'],
    ['scim-user', 'shared@example.com'],
  ]);
  const lookup = await fetch(
    `${base}/Users?filter=${encodeURIComponent('userName eq "looked.up.person@example.com"')}`,
    {
      headers,
    },
  );
  expect(lookup.status).toBe(200);
  // Stop the worker and read all it wrote: a request's log line can come after its answer, and a fixed wait
  // could end before it arrived.
  const closed = new Promise((resolve) => worker.once('close', resolve));
  worker.kill('SIGTERM');
  await closed;
  // The worker logged (its start at least), never the token, and no filter (it names a person).
  expect(output.join('')).not.toContain('looked.up.person');
  expect(output.join('')).toContain('kratos-sync worker started');
  expect(output.join('')).not.toContain(TOKEN);
});
