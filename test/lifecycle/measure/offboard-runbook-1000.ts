/**
 * Figure: wall time of `kratos-sync offboard --file leavers.csv --inline` for 1,000 leavers (one live
 * session each) against the simulator answering with 5 ms latency. Prints one JSON line.
 *   node test/lifecycle/measure/offboard-runbook-1000.ts [redis-url]
 * Needs a redis-server; starts its own when no URL is given.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedisServer } from '../../support/redis-server.ts';
import { spawn } from 'node:child_process';
import { writeConfig } from '../support/cli.ts';
import { startHarness } from '../support/harness.ts';

const PEOPLE = Number(process.env.PEOPLE ?? 1_000);
const redisServer = process.argv[2] ? undefined : await startRedisServer();
const redisUrl = process.argv[2] ?? redisServer!.url;
const h = await startHarness({ api: 'v26', redisUrl });
try {
  const created = await h.kratos.batchCreateIdentities(
    Array.from({ length: PEOPLE }, (_, i) => ({
      schema_id: 'employee',
      traits: { email: `m${i}@example.com`, name: { first: 'M', last: `${i}` } },
      metadata_admin: { kratos_sync: { source: 'hr', key: `M${i}` } },
      external_id: `M${i}`,
    })),
  );
  const ids = created.map((r) => (r && r.ok ? r.id : ''));
  for (const id of ids) h.sim.login(id);
  const file = path.join(tmpdir(), `measure-leavers-${process.pid}.csv`);
  writeFileSync(file, ['identity_id', ...ids].join('\n'));
  h.sim.setFaults({ latencyMs: 5 });
  const config = writeConfig({ adminUrl: h.sim.adminUrl, redisUrl, prefix: h.prefix });
  const started = performance.now();
  // Phases from the CLI's own output: start-up + resolving ids, then the jobs.
  let resolvedMs = 0;
  let stderr = '';
  const child = spawn(
    process.execPath,
    ['src/app/bin.ts', '-c', config, 'offboard', '--file', file, '--inline'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => {
    if (!resolvedMs && chunk.toString().includes('to offboard'))
      resolvedMs = Math.round(performance.now() - started);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const result = { code, stderr };
  const wallMs = Math.round(performance.now() - started);
  const inactive = ids.filter((id) => h.sim.identity(id)?.state === 'inactive').length;
  const sessionsLeft = ids.reduce((n, id) => n + h.sim.sessionsOf(id).length, 0);
  console.log(
    JSON.stringify({
      people: PEOPLE,
      latencyMs: 5,
      exitCode: result.code,
      wallMs,
      resolvedMs,
      jobsMs: wallMs - resolvedMs,
      inactive,
      sessionsLeft,
      requests: h.sim.stats().total,
    }),
  );
  if (result.code !== 0) console.error(result.stderr.slice(-3000));
} finally {
  await h.close();
  await redisServer?.stop();
}
