import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { employeeTraits, send, sendCounts } from './testing/http.ts';

// Sessions and recovery as a leaver and a new hire meet them (`selfservice/strategy/{link,code}`, `session/handler.go`), with a movable clock.
let n = 0;

describe.each(['v26', 'v0.10'] as const)('%s sessions and recovery', (api) => {
  let sim: KratosSim;
  let now = Date.parse('2026-05-04T09:00:00Z');

  beforeAll(async () => {
    sim = await startKratosSim({ api, now: () => now });
  });
  afterAll(async () => {
    await sim.stop();
  });

  async function employee(): Promise<string> {
    const res = await send(sim, '/admin/identities', {
      method: 'POST',
      json: { schema_id: 'employee', traits: employeeTraits(++n, 'sr') },
    });
    return res.body.id as string;
  }
  const whoami = (token: string) => send(sim, '/sessions/whoami', { headers: { 'x-session-token': token } });

  it('whoami: 200 with the identity header; 401 once the identity is inactive; back when reactivated', async () => {
    const id = await employee();
    const { sessionToken } = sim.login(id);
    const ok = await whoami(sessionToken);
    expect(ok.headers.get('x-kratos-authenticated-identity-id')).toBe(id);
    expect(ok.body).toMatchObject({ active: true, identity: { id, state: 'active' } });
    expect(ok.body.identity).not.toHaveProperty('metadata_admin');
    const traits = employeeTraits(n, 'sr');
    await send(sim, `/admin/identities/${id}`, { method: 'PUT', json: { traits, state: 'inactive' } });
    const refused = await whoami(sessionToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.reason).toBe(
      api === 'v26' ? 'No valid session credentials found in the request.' : 'No valid session cookie found.',
    );
    // The session itself is untouched: inactive identities do not delete sessions.
    expect((await send(sim, `/admin/identities/${id}/sessions?active=true`)).body).toHaveLength(1);
    await send(sim, `/admin/identities/${id}`, { method: 'PUT', json: { traits, state: 'active' } });
    expect((await whoami(sessionToken)).status).toBe(200);
    expect((await send(sim, '/_sim/sessions', { method: 'POST', json: { identity_id: id } })).status).toBe(
      201,
    );
  });

  it('whoami accepts Bearer and the session cookie; refuses unknown tokens', async () => {
    const id = await employee();
    const { sessionToken } = sim.login(id);
    expect(
      (await send(sim, '/sessions/whoami', { headers: { authorization: `Bearer ${sessionToken}` } })).status,
    ).toBe(200);
    expect(
      (
        await send(sim, '/sessions/whoami', {
          headers: { cookie: `a=b; ory_kratos_session=${sessionToken}` },
        })
      ).status,
    ).toBe(200);
    expect((await whoami('ory_st_forged')).status).toBe(401);
    expect((await send(sim, '/sessions/whoami')).status).toBe(401);
  });

  it('sessions expire by the clock; active=false lists expired ones', async () => {
    const id = await employee();
    const { sessionToken } = sim.login(id, { lifespanMs: 60_000 });
    now += 61_000;
    expect((await whoami(sessionToken)).status).toBe(401);
    expect((await send(sim, `/admin/identities/${id}/sessions?active=true`)).body).toEqual([]);
    const inactive = await send(sim, `/admin/identities/${id}/sessions?active=false`);
    expect(inactive.body).toMatchObject([{ active: false }]);
  });

  it('DELETE identity sessions removes them (404 when none); revoked tokens fail whoami', async () => {
    const id = await employee();
    const tokens = [sim.login(id).sessionToken, sim.login(id).sessionToken];
    expect((await send(sim, `/admin/identities/${id}/sessions`)).body).toHaveLength(2);
    expect((await send(sim, `/admin/identities/${id}/sessions`, { method: 'DELETE' })).status).toBe(204);
    for (const token of tokens) expect((await whoami(token)).status).toBe(401);
    expect(sim.sessionsOf(id)).toEqual([]);
    expect((await send(sim, `/admin/identities/${id}/sessions`, { method: 'DELETE' })).status).toBe(404);
    expect(
      (await send(sim, `/admin/identities/${crypto.randomUUID()}/sessions`, { method: 'DELETE' })).status,
    ).toBe(404);
    expect((await send(sim, `/admin/identities/${crypto.randomUUID()}/sessions`)).body).toEqual([]);
    const bad = await send(sim, '/admin/identities/xyz/sessions', { method: 'DELETE' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.debug).toBe(api === 'v0.10' ? 'could not parse UUID' : undefined);
  });

  it('a recovery link works exactly once, logs the person in and refuses tampering', async () => {
    const id = await employee();
    const res = await send(sim, '/admin/recovery/link', { method: 'POST', json: { identity_id: id } });
    expect(res.body.expires_at).toBe(new Date(now + 3_600_000).toISOString());
    const link = new URL(res.body.recovery_link as string);
    expect(link.origin).toBe(sim.publicUrl);
    const tampered = await send(sim, `${link.pathname}?flow=${link.searchParams.get('flow')}&token=nope`);
    expect(tampered.headers.get('location')).toContain('error=invalid_token');
    const used = await send(sim, link.pathname + link.search);
    expect(used.status).toBe(303);
    expect(used.headers.get('location')).toBe(`${sim.url}/_sim/ui/settings?identity=${id}`);
    const cookie = used.headers.get('set-cookie')!.split(';')[0]!;
    const me = await send(sim, '/sessions/whoami', { headers: { cookie } });
    expect(me.body.identity.id).toBe(id);
    expect(me.body.authentication_methods[0].method).toBe('link_recovery');
    const again = await send(sim, link.pathname + link.search);
    expect(again.headers.get('location')).toContain('error=used');
    const page = await fetch(`${sim.url}${link.pathname}${link.search}`); // a browser follows the redirect
    expect(await page.text()).toContain('The recovery token is invalid or has already been used');
  });

  it('a recovery link expires by the clock; expires_in is a Go duration', async () => {
    const id = await employee();
    const res = await send(sim, '/admin/recovery/link', {
      method: 'POST',
      json: { identity_id: id, expires_in: '1h30m' },
    });
    expect(res.body.expires_at).toBe(new Date(now + 90 * 60_000).toISOString());
    now += 90 * 60_000;
    expect(sim.useRecoveryLink(res.body.recovery_link)).toEqual({ ok: false, error: 'expired' });
    const bad = await send(sim, '/admin/recovery/link', {
      method: 'POST',
      json: { identity_id: id, expires_in: '2d' },
    });
    expect(bad.body.error.reason).toBe(
      'Unable to parse "expires_in" whose format should match "[0-9]+(ns|us|ms|s|m|h)" but did not: 2d',
    );
    const past = await send(sim, '/admin/recovery/link', {
      method: 'POST',
      json: { identity_id: id, expires_in: '-5m' },
    });
    expect(past.body.error.reason).toBe('Value from "expires_in" must be result to a future time: -5m');
    const unknown = await send(sim, '/admin/recovery/link', {
      method: 'POST',
      json: { identity_id: crypto.randomUUID() },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.reason).toBe('The requested identity id does not exist.');
  });

  it('an identity deleted after the link was issued cannot be recovered', async () => {
    const id = await employee();
    const res = await send(sim, '/admin/recovery/link', { method: 'POST', json: { identity_id: id } });
    await send(sim, `/admin/identities/${id}`, { method: 'DELETE' });
    expect(sim.useRecoveryLink(res.body.recovery_link).ok).toBe(false);
  });
});

describe('v26 recovery codes and admin session revoke', () => {
  let sim: KratosSim;
  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
  });
  afterAll(async () => {
    await sim.stop();
  });
  const employee = async () =>
    (
      await send(sim, '/admin/identities', {
        method: 'POST',
        json: { schema_id: 'employee', traits: employeeTraits(++n, 'code') },
      })
    ).body.id as string;

  it('a 6-digit code entered in the recovery form logs the person in once', async () => {
    const id = await employee();
    const res = await send(sim, '/admin/recovery/code', {
      method: 'POST',
      json: { identity_id: id, expires_in: '15m' },
    });
    expect(res.status).toBe(201);
    const flow = new URL(res.body.recovery_link as string).searchParams.get('flow')!;
    const form = await fetch(res.body.recovery_link as string);
    expect(await form.text()).toContain('name="code"');
    const submit = (code: string) =>
      send(sim, `/self-service/recovery?flow=${flow}`, {
        method: 'POST',
        body: new URLSearchParams({ method: 'code', code }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const wrongCode = res.body.recovery_code === '000000' ? '111111' : '000000';
    expect((await submit(wrongCode)).headers.get('location')).toContain('error=invalid_code');
    const ok = await submit(res.body.recovery_code as string);
    expect(ok.headers.get('location')).toContain('/_sim/ui/settings');
    expect((await submit(res.body.recovery_code as string)).headers.get('location')).toContain('error=used');
  });

  it('five wrong codes burn the flow', async () => {
    const id = await employee();
    const res = await send(sim, '/admin/recovery/code', { method: 'POST', json: { identity_id: id } });
    const flow = new URL(res.body.recovery_link as string).searchParams.get('flow')!;
    const wrongCode = res.body.recovery_code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      expect(sim.useRecoveryCode(flow, wrongCode)).toEqual({ ok: false, error: 'invalid_code' });
    expect(sim.useRecoveryCode(flow, res.body.recovery_code as string)).toEqual({
      ok: false,
      error: 'too_many_attempts',
    });
  });

  it('unknown identity is 404 for codes (400 for links); bad flow_type and expires_in are 400', async () => {
    const missing = await send(sim, '/admin/recovery/code', {
      method: 'POST',
      json: { identity_id: crypto.randomUUID() },
    });
    expect(missing.body).toEqual({
      error: {
        code: 404,
        status: 'Not Found',
        reason: 'could not find identity',
        message: 'Unable to locate the resource',
      },
    });
    const id = await employee();
    expect(
      (
        await send(sim, '/admin/recovery/code', {
          method: 'POST',
          json: { identity_id: id, flow_type: 'spa' },
        })
      ).body.error.reason,
    ).toBe('Value from "flow_type" is not valid: "spa"');
    expect(
      (
        await send(sim, '/admin/recovery/code', {
          method: 'POST',
          json: { identity_id: id, expires_in: '-1h' },
        })
      ).body.error.reason,
    ).toBe('Value from "expires_in" must result to a future time: -1h0m0s');
  });

  it('a disabled recovery method answers 404 "disabled by system administrator"', async () => {
    await using off = await startKratosSim({ api: 'v26', disabledRecoveryMethods: ['code'] });
    const id = (
      await send(off, '/admin/identities', {
        method: 'POST',
        json: { schema_id: 'employee', traits: employeeTraits(1, 'off') },
      })
    ).body.id;
    const code = await send(off, '/admin/recovery/code', { method: 'POST', json: { identity_id: id } });
    expect(code.status).toBe(404);
    expect(code.body.error.reason).toMatch(/^This endpoint was disabled by system administrator/);
    expect(
      (await send(off, '/admin/recovery/link', { method: 'POST', json: { identity_id: id } })).status,
    ).toBe(200);
  });

  it('DELETE /admin/sessions/{id} revokes one session (row kept, active=false); GET still answers 200', async () => {
    const id = await employee();
    const a = sim.login(id);
    const b = sim.login(id);
    expect((await send(sim, `/admin/sessions/${a.sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect(
      (await send(sim, '/sessions/whoami', { headers: { 'x-session-token': a.sessionToken } })).status,
    ).toBe(401);
    expect(
      (await send(sim, '/sessions/whoami', { headers: { 'x-session-token': b.sessionToken } })).status,
    ).toBe(200);
    expect((await send(sim, `/admin/sessions/${a.sessionId}`)).body).toMatchObject({
      id: a.sessionId,
      active: false,
    });
    expect((await send(sim, `/admin/sessions/${crypto.randomUUID()}`, { method: 'DELETE' })).status).toBe(
      404,
    );
    const listed = await send(sim, '/admin/sessions?active=true&expand=identity');
    expect(listed.body.map((s: { id: string }) => s.id)).toContain(b.sessionId);
    expect(listed.body.find((s: { id: string }) => s.id === b.sessionId).identity.id).toBe(id);
  });
});

// Every Kratos answer above went through the OpenAPI check in `send`; make sure that really happened.
afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(60);
});
