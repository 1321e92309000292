import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKratosClient } from '../../src/kratos/client.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { createLogger } from '../../src/log/logger.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, configFor, employee, GENERATIONS, tag } from './support.ts';

describe.each(GENERATIONS)('recovery and sessions on the %s simulator', (api) => {
  let sim: KratosSim;
  let client: KratosClient;

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    client = await clientFor(sim);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it('creates a recovery link that works and never prints', async () => {
    const identity = await client.createIdentity(employee(tag(), 1));
    const recovery = await client.createRecoveryLink(identity.id, '15m');
    const raw = recovery.link.reveal();
    expect(raw).toMatch(/^http/);
    expect(Date.parse(recovery.expiresAt)).toBeGreaterThan(Date.now());
    for (const printed of [
      String(recovery.link),
      `${recovery.link}`,
      JSON.stringify(recovery),
      inspect(recovery),
    ]) {
      expect(printed).not.toContain(raw);
      expect(printed).toContain('[redacted]');
    }
    expect(sim.useRecoveryLink(raw).ok).toBe(true);
  });

  it('creates a recovery code where the server has the endpoint (v1.0+); refuses on v0.10 without sending', async () => {
    const identity = await client.createIdentity(employee(tag(), 1));
    if (!client.capabilities.recoveryCodes) {
      await expect(client.createRecoveryCode(identity.id, '15m')).rejects.toThrow(
        /not available on this server/,
      );
      expect(client.callCounts().createRecoveryCode).toBeUndefined();
      return;
    }
    const recovery = await client.createRecoveryCode(identity.id, '15m');
    expect(recovery.code.reveal()).toMatch(/^\d{6}$/);
    expect(JSON.stringify(recovery)).not.toContain(recovery.code.reveal());
    const flow = new URL(recovery.link.reveal()).searchParams.get('flow')!;
    expect(sim.useRecoveryCode(flow, recovery.code.reveal()).ok).toBe(true);
  });

  it('keeps the link and code out of the logs, even at debug level', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'trace', destination });
    const logged = await createKratosClient({ config: configFor(sim), logger });
    try {
      const identity = await logged.createIdentity(employee(tag(), 1));
      // One failed attempt first, so the retry path logs too.
      const errorsBefore = sim.stats().faults.error;
      sim.setFaults({ errorRate: 1, errorStatus: 503, routes: ['POST /admin/recovery/link'] });
      const pending = logged.createRecoveryLink(identity.id, '1h');
      await expect.poll(() => sim.stats().faults.error, { timeout: 5_000 }).toBeGreaterThan(errorsBefore);
      sim.setFaults({});
      const recovery = await pending;
      logger.info({ recovery }, 'recovery issued');
      const text = lines.join('');
      expect(text).toContain('retrying');
      expect(text).not.toContain(recovery.link.reveal());
      expect(text).not.toContain(new URL(recovery.link.reveal()).searchParams.get('token'));
    } finally {
      sim.setFaults({});
      await logged.close();
    }
  });

  it('lists and revokes an identity’s sessions; revoking again is a no-op (false)', async () => {
    const identity = await client.createIdentity(employee(tag(), 1));
    const other = await client.createIdentity(employee(tag(), 2));
    const logins = [sim.login(identity.id), sim.login(identity.id), sim.login(identity.id)];
    sim.login(other.id);
    const sessions = await client.listIdentitySessions(identity.id);
    expect(sessions.map((s) => s.id).sort()).toEqual(logins.map((l) => l.sessionId).sort());
    expect(sessions.every((s) => s.active)).toBe(true);

    expect(await client.revokeIdentitySessions(identity.id)).toBe(true);
    expect(await client.listIdentitySessions(identity.id, { active: true })).toEqual([]);
    expect(await client.revokeIdentitySessions(identity.id)).toBe(false);
    expect(await client.listIdentitySessions(other.id)).toHaveLength(1);
  });

  it('walks every page of a long session list', async () => {
    const identity = await client.createIdentity(employee(tag(), 1));
    const ids = new Set(Array.from({ length: 260 }, () => sim.login(identity.id).sessionId));
    const sessions = await client.listIdentitySessions(identity.id);
    expect(sessions).toHaveLength(260);
    expect(new Set(sessions.map((s) => s.id))).toEqual(ids);
  });

  it('an identity without sessions: revoke answers false', async () => {
    const identity = await client.createIdentity(employee(tag(), 1));
    expect(await client.listIdentitySessions(identity.id)).toEqual([]);
    expect(await client.revokeIdentitySessions(identity.id)).toBe(false);
  });
});
