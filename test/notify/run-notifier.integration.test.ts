import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, inject } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import { createNoticeChannels } from '../../src/notify/notice-channels.ts';
import { createRunNotifier } from '../../src/notify/run-notifier.ts';
import { newReport } from '../../src/domain/run-report.ts';
import { uniquePrefix } from '../queue/helpers.ts';
import { captureLogs } from '../support/capture-logs.ts';

let server: Server | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  redis?.disconnect();
  server = redis = undefined;
});

describe('run notifier', () => {
  it('gives up a notification whose receiver hangs when it is closed, instead of holding up shutdown', async () => {
    let requests = 0;
    // Takes the request and never answers.
    server = createServer(() => void requests++);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    redis = new Redis(inject('redisUrl'));
    const logs = captureLogs('info');
    const channels = createNoticeChannels(
      {
        on: ['held', 'failed', 'partial'],
        partialAbove: { fraction: 0.05 },
        webhook: {
          url: new Secret(url),
          secret: new Secret('notify-signing-secret'),
          timeoutMs: 60_000,
          allowInsecureHttp: false,
        },
      },
      { now: () => new Date() },
    );
    const notifier = createRunNotifier({
      notify: { on: ['held', 'failed', 'partial'], partialAbove: { fraction: 0.05 } },
      channels,
      redis,
      prefix: uniquePrefix(),
      logger: logs.logger,
      closeTimeoutMs: 300,
    });
    const report = newReport({
      id: '20261203T120000000Z-aaaaaa',
      source: 'hr',
      trigger: 'schedule',
      dryRun: false,
      startedAt: new Date(),
    });
    notifier.runSaved({ ...report, status: 'failed', error: { code: 'SYNC_ERR_X', message: 'boom' } });
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // Resolves although the receiver never answers (its request would time out only after 60 s).
    await notifier.close();
    expect(logs.text()).toContain('run notifications abandoned at shutdown');
    expect(requests).toBe(1);
  });
});
