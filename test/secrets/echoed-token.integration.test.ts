import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { cliConfigYaml } from '../cli/cli-config.ts';
import { deleteKeys } from '../support/delete-keys.ts';
import { spawnCli } from '../cli/spawn-cli.ts';
import { dumpRedis } from '../lifecycle/support/secret-scan.ts';
import { spawnWorker, stopAll, waitForLine, type WorkerChild } from '../jobs/process-harness.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { csvOf, people, person } from '../sync/engine-harness.ts';

// The configured admin token (a config secret) and a token the gateway knows but we never configured.
const ADMIN_TOKEN = `ory_pat_${randomBytes(16).toString('hex')}`;
const FOREIGN_TOKEN = `ory_at_${randomBytes(16).toString('hex')}`;
const API_KEY = `k3y${randomBytes(12).toString('hex')}`;
const USERINFO_PASSWORD = `pw${randomBytes(8).toString('hex')}`;
const WEBHOOK_SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const HTTP_PASSWORD = `console-${randomBytes(8).toString('hex')}`;
const PADDING = 'x'.repeat(20_000);

/** What a misbehaving gateway in front of Kratos answers to every write: our token echoed back, at length. */
function echoedError(authorization: string): string {
  const message = [
    `upstream rejected POST https://gw-user:${USERINFO_PASSWORD}@gateway.internal/admin/identities?token=${ADMIN_TOKEN}&api_key=${API_KEY}`,
    `(authorization: ${authorization}; session ${FOREIGN_TOKEN}; retry with Bearer ${FOREIGN_TOKEN})`,
    PADDING,
  ].join(' ');
  return JSON.stringify({
    error: { code: 400, status: 'Bad Request', message, reason: `token=${ADMIN_TOKEN}` },
  });
}

/** A tiny HTTP proxy in front of the simulator: passes everything, or answers writes with `echoedError`. */
async function startEchoingProxy(target: string) {
  const upstream = new URL(target);
  const state = { echo: false };
  const server: Server = createServer((req, res) => {
    const isWrite = req.method !== 'GET' && req.method !== 'HEAD' && req.url?.startsWith('/admin/identities');
    if (state.echo && isWrite) {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(echoedError(String(req.headers.authorization ?? '')));
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The CLI's exit code and everything it printed (stdout, then stderr: the scan looks at both). */
async function cli(configFile: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await spawnCli(['--config', configFile, ...args], {
    LOG_LEVEL: 'info',
    NODE_NO_WARNINGS: '1',
  });
  return { code, output: stdout + stderr };
}

function leaks(text: string): string[] {
  const found: string[] = [];
  for (const secret of [ADMIN_TOKEN, FOREIGN_TOKEN, API_KEY, USERINFO_PASSWORD]) {
    if (text.includes(secret)) found.push(secret.slice(0, 10));
  }
  const shapes = text.match(/ory_(pat|at|st|ht)_[A-Za-z0-9]{6,}|Bearer [A-Za-z0-9._~+/-]{6,}|x{2000}/g);
  return [...found, ...(shapes ?? []).map((s) => s.slice(0, 12))];
}

describe('a token echoed in a remote error is never stored or shown', { timeout: 240_000 }, () => {
  let sim: KratosSim;
  let proxy: Awaited<ReturnType<typeof startEchoingProxy>>;
  let dir: string;
  let configFile: string;
  let httpPort: number;
  const prefix = `{ks-echo-${randomBytes(5).toString('hex')}}`;
  const redis = new Redis(inject('redisUrl'));
  const children: WorkerChild[] = [];

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26', adminToken: ADMIN_TOKEN });
    proxy = await startEchoingProxy(sim.adminUrl);
    dir = mkdtempSync(path.join(tmpdir(), 'ks-echo-'));
    httpPort = await freePort();
    configFile = path.join(dir, 'kratos-sync.yaml');
    writeFileSync(
      configFile,
      cliConfigYaml({
        kratos: {
          adminUrl: proxy.url,
          adminToken: ADMIN_TOKEN,
          retry: { retries: 0, minDelayMs: 5, maxDelayMs: 10 },
        },
        prefix,
        source: {
          guard: { maxRemoveFraction: 0.9, maxRemoveCount: 100 },
          webhook: { secret: WEBHOOK_SECRET, personKey: 'id' },
        },
        extra: {
          http: { host: '127.0.0.1', port: httpPort, auth: { username: 'ops', password: HTTP_PASSWORD } },
        },
      }),
    );
    writeFileSync(path.join(dir, 'people.csv'), csvOf(people(4)));
  });

  afterAll(async () => {
    await stopAll(children);
    await proxy?.close();
    await sim?.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the token out of Redis, CLI output, the console, job failure reasons and logs', async () => {
    const first = await cli(configFile, ['sync']);
    expect(first.code, first.output).toBe(0);

    // From now on every write is answered with the echoed token.
    proxy.state.echo = true;
    const changed = [
      person(1),
      person(2, { department: 'Sales', updated: '2026-02-01T00:00:00Z' }),
      person(3, { department: 'Sales', updated: '2026-02-01T00:00:00Z' }),
      person(4),
      person(5),
    ];
    writeFileSync(path.join(dir, 'people.csv'), csvOf(changed));
    const outputs: string[] = [];
    const sync = await cli(configFile, ['sync']);
    outputs.push(sync.output);
    expect(sync.code, sync.output).toBe(3);
    expect(sync.output).toContain('HTTP 400');

    const receiptFile = path.join(dir, 'receipt.json');
    const offboard = await cli(configFile, [
      'offboard',
      '--ids',
      'E00004',
      '--inline',
      '--json-out',
      receiptFile,
    ]);
    outputs.push(offboard.output, readFileSync(receiptFile, 'utf8'));

    // A worker with the HTTP role: a webhook for E00003 becomes a person.sync job that fails for good.
    const worker = spawnWorker({ configFile, roles: 'worker,http', name: 'echo-worker' });
    children.push(worker);
    await waitForLine(worker, 'listening');
    const body = JSON.stringify({ id: 'E00003' });
    const timestamp = Math.floor(Date.now() / 1000);
    const accepted = await fetch(`http://127.0.0.1:${httpPort}/webhooks/hr`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-timestamp': String(timestamp),
        'x-signature': signGenericInboundWebhook(WEBHOOK_SECRET, timestamp, body),
      },
      body,
    });
    expect(accepted.status).toBe(202);
    await waitFor(async () =>
      (await cli(configFile, ['failed', 'list', '--json'])).output.includes('E00003'),
    );

    for (const args of [
      ['runs'],
      ['runs', '--limit', '5'],
      ['audit'],
      ['failed', 'list'],
      ['failed', 'list', '--json'],
    ]) {
      outputs.push((await cli(configFile, args)).output);
    }
    const runId = /Run (\S+)/.exec(sync.output)![1]!;
    outputs.push((await cli(configFile, ['runs', runId, '--plan', '--audit'])).output);

    const authorization = `Basic ${Buffer.from(`ops:${HTTP_PASSWORD}`).toString('base64')}`;
    const pages: string[] = [];
    for (const page of [
      '/console',
      `/console/runs/${runId}`,
      '/console/jobs/failed',
      '/console/receipts?q=E00004',
      '/console/quarantine',
    ]) {
      const answer = await fetch(`http://127.0.0.1:${httpPort}${page}`, { headers: { authorization } });
      expect(answer.status, page).toBe(200);
      pages.push(await answer.text());
    }

    const stored = (await dumpRedis(redis, `${prefix}*`)).join('\n');
    // The failures were recorded, with the gateway's words minus the secrets, so the scan looked at them.
    expect(stored).toContain('upstream rejected POST');
    expect(pages.join('\n')).toContain('upstream rejected POST');
    expect(outputs.join('\n')).toContain('upstream rejected POST');
    expect(stored).toMatch(/"failedReason","[^"]*upstream rejected POST https:\/\/\[redacted\]@gateway/);
    // Bounded: a 20 000-character upstream message keeps a few hundred characters.
    expect(stored).toContain('more characters)');

    expect(leaks(stored), 'Redis').toEqual([]);
    expect(leaks(outputs.join('\n')), 'CLI output and logs').toEqual([]);
    expect(leaks(pages.join('\n')), 'console pages').toEqual([]);
    // Stop the worker and read all it logged: lines written after an answer can still be in the pipes.
    worker.kill('SIGTERM');
    await worker.exited;
    expect(leaks(worker.lines.join('\n')), 'worker logs').toEqual([]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
