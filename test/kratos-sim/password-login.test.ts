import { describe, expect, it } from 'vitest';
import { startKratosSim } from './index.ts';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('kratos-sim password login (/_sim/login/password)', () => {
  it('signs in with the password an identity was created with, and with its hash imported into a new one', async () => {
    await using sim = await startKratosSim({ api: 'v26' });
    const traits = { email: 'ada@example.com' };
    const created = await post(`${sim.adminUrl}/admin/identities`, {
      schema_id: 'default',
      traits,
      credentials: { password: { config: { password: 'correct horse battery' } } },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const login = (password: string) =>
      post(`${sim.adminUrl}/_sim/login/password`, { identifier: 'Ada@example.com', password });
    expect((await login('correct horse battery')).status).toBe(201);
    expect((await login('wrong')).status).toBe(401);

    const read = await fetch(`${sim.adminUrl}/admin/identities/${id}?include_credential=password`);
    const hashed = (
      (await read.json()) as { credentials: { password: { config: { hashed_password: string } } } }
    ).credentials.password.config.hashed_password;
    expect(hashed).toMatch(/^\$sha256\$/);
    expect((await fetch(`${sim.adminUrl}/admin/identities/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await login('correct horse battery')).status).toBe(401);

    const imported = await post(`${sim.adminUrl}/admin/identities`, {
      schema_id: 'default',
      traits,
      credentials: { password: { config: { hashed_password: hashed } } },
    });
    expect(imported.status).toBe(201);
    const session = (await (await login('correct horse battery')).json()) as { identity_id: string };
    expect(session.identity_id).toBe(((await imported.json()) as { id: string }).id);
  });

  it('refuses an inactive identity (403)', async () => {
    await using sim = await startKratosSim({ api: 'v26' });
    const created = await post(`${sim.adminUrl}/admin/identities`, {
      schema_id: 'default',
      state: 'inactive',
      traits: { email: 'bo@example.com' },
      credentials: { password: { config: { password: 'pw-of-bo-123' } } },
    });
    expect(created.status).toBe(201);
    const answer = await post(`${sim.adminUrl}/_sim/login/password`, {
      identifier: 'bo@example.com',
      password: 'pw-of-bo-123',
    });
    expect(answer.status).toBe(403);
  });
});
