import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import {
  basicAuth,
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  startConsoleServer,
  withConsoleAuth,
} from '../console/console-fixture.ts';
import { people, startHarness, type Harness } from '../sync/engine-harness.ts';
import { startHttpFixture } from './http-fixture.ts';

type Fixture = Awaited<ReturnType<typeof startHttpFixture>>;
let fixture: Fixture | undefined;
let harness: Harness | undefined;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await harness?.release();
  harness = undefined;
});

/**
 * Opens a raw TCP connection, sends `head` at once, then one byte of `drip` every `everyMs`. Resolves when
 * the server closes the connection, with what it answered and how many drip bytes got out.
 */
function slowClient(port: number, head: string, drip: string, everyMs: number) {
  return new Promise<{ answer: string; dripped: number }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let dripped = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, dripped });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (dripped >= drip.length || socket.destroyed) return;
        socket.write(drip[dripped++]!);
      }, everyMs);
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after 60 s (${dripped} bytes dripped)`));
    }, 60_000).unref();
  });
}

async function listening(f: Fixture): Promise<number> {
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  return (f.app.server.address() as { port: number }).port;
}

describe('HTTP server timeouts', { timeout: 90_000 }, () => {
  it('cuts an upload that sends one byte every 5 s once http.requestTimeout has passed', async () => {
    fixture = await startHttpFixture({ http: { requestTimeout: '2s', headersTimeout: '1s' } });
    const port = await listening(fixture);
    const body = JSON.stringify({ data: { employee: { id: 'E1' } } }).padEnd(200, ' ');
    const head = `POST /webhooks/hr HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const { answer, dripped } = await slowClient(port, head, body, 5_000);
    expect(dripped).toBeLessThan(body.length);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a client that sends its headers one byte every 5 s', async () => {
    fixture = await startHttpFixture({ http: { requestTimeout: '3s', headersTimeout: '1s' } });
    const port = await listening(fixture);
    const head = 'GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ';
    const { answer, dripped } = await slowClient(port, head, 'aaaaaaaaaaaaaaaaaaaa\r\n\r\n', 5_000);
    expect(dripped).toBeLessThan(20);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('queue dashboard and console logins', () => {
  const good = basicAuth('ops', 'dashboard-pass-123');
  const bad = basicAuth('ops', 'guess');

  it('answers 429 to a client after 10 failed logins, even with the right password, until the window ends', async () => {
    let now = new Date('2026-12-01T10:00:00Z');
    fixture = await startHttpFixture({
      http: { auth: { username: 'ops', password: 'dashboard-pass-123' } },
      now: () => now,
    });
    const login = (authorization: string, remoteAddress = '203.0.113.7') =>
      fixture!.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization }, remoteAddress });
    for (let i = 0; i < 10; i++) expect((await login(bad)).statusCode).toBe(401);
    const blocked = await login(good);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['x-frame-options']).toBe('DENY');
    // Another client is not affected; a request without credentials (a browser's first) counts for nothing.
    expect((await login(good, '198.51.100.9')).statusCode).toBe(200);
    now = new Date(now.getTime() + 15 * 60_000 + 1000);
    expect((await login(good)).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) {
      const anonymous = await fixture.app.inject({
        method: 'GET',
        url: '/admin/queues',
        remoteAddress: '192.0.2.1',
      });
      expect(anonymous.statusCode).toBe(401);
    }
    expect((await login(good, '192.0.2.1')).statusCode).toBe(200);
  });

  it('checks the dashboard password with the console check: the same answers for wrong user, wrong password, odd lengths', async () => {
    fixture = await startHttpFixture({ http: { auth: { username: 'ops', password: 'pa:ss-wörd-123' } } });
    const answer = async (authorization: string) =>
      (await fixture!.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization } }))
        .statusCode;
    expect(await answer(basicAuth('ops', 'pa:ss-wörd-123'))).toBe(200);
    for (const [user, password] of [
      ['ops', 'pa:ss-wörd-12'],
      ['ops', 'pa:ss-wörd-1234'],
      ['op', 'pa:ss-wörd-123'],
      ['', ''],
      ['ops', 'x'.repeat(10_000)],
    ] as const) {
      expect(await answer(basicAuth(user, password))).toBe(401);
    }
    expect(await answer('Bearer abc')).toBe(401);
  });
});

describe('the documented example password', () => {
  const base = {
    kratos: { adminUrl: 'http://127.0.0.1:4434' },
    redis: { url: 'redis://127.0.0.1:6379' },
    sources: { hr: { connection: { type: 'csv', path: 'p.csv' }, mapping: { key: 'id', traits: '{}' } } },
  };

  it('stops start-up, naming http.auth.password, unless http.auth.allowExamplePassword is set', async () => {
    const refused = { ...base, http: { auth: { username: 'admin', password: 'change-me' } } };
    expect(() => loadConfig({ env: {}, object: refused })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, object: refused })).toThrow(
      /http\.auth\.password: is the documented example password/,
    );
    const dev = {
      ...base,
      http: { auth: { username: 'admin', password: 'change-me', allowExamplePassword: true } },
    };
    expect(loadConfig({ env: {}, object: dev }).config.http.auth?.password.reveal()).toBe('change-me');

    // The worker process itself refuses to start.
    const dir = mkdtempSync(path.join(tmpdir(), 'ks-example-password-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(
      file,
      stringify({ ...refused, http: { auth: { username: 'admin', password: { fromEnv: 'PW' } } } }),
    );
    const bin = path.resolve(import.meta.dirname, '../../src/app/bin.ts');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, '--config', file, 'worker', '--role', 'http'], {
        env: { PATH: process.env.PATH ?? '', PW: 'change-me', NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('http.auth.password');
    expect(result.stderr).toContain('allowExamplePassword');
  });
});

describe('the console and content types', () => {
  it('answers a multipart POST with 415, not 500', async () => {
    harness = await startHarness({ api: 'v26', people: people(1) });
    const server = await startConsoleServer(withConsoleAuth(harness.ctx));
    cleanups.push(() => server.app.close());
    const boundary = 'ks-boundary';
    const answer = await fetch(`${server.url}/console/runs/r-1/approve`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(CONSOLE_USER, CONSOLE_PASSWORD),
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: `--${boundary}\r\ncontent-disposition: form-data; name="csrf"\r\n\r\nx\r\n--${boundary}--\r\n`,
    });
    expect(answer.status).toBe(415);
    const text = await answer.text();
    expect(text).toContain('application/x-www-form-urlencoded');
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
