import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../queue/helpers.ts';
import { OKTA_TOKEN, startScimHarness, type ScimHarness } from './scim-harness.ts';

const PASSWORD = 'console-password-for-scim-tests-77';

let h: ScimHarness | undefined;
afterEach(async () => {
  await h?.release();
  h = undefined;
});

it('lists the SCIM clients and their recent requests in the console, without tokens or values', async () => {
  h = await startScimHarness({
    api: 'v26',
    config: { http: { auth: { username: 'ops', password: PASSWORD } } },
  });
  const created = await h.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'console.person@example.com',
  });
  expect(created.status).toBe(201);
  await h.scim('GET', '/Users/does-not-exist');
  // Each request is logged just after its answer went out (fastify's onResponse): wait until both are.
  await waitFor('both requests logged', async () => {
    return (await h!.redis.llen(`${h!.prefix}:scim:directory:requests`)) >= 2;
  });
  const response = await fetch(h.base.replace('/scim/v2', '/console/scim'), {
    headers: { authorization: `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}` },
  });
  expect(response.status).toBe(200);
  const page = await response.text();
  expect(page).toContain('SCIM provisioning');
  expect(page).toMatch(/<code>okta<\/code>/);
  expect(page).toMatch(/<code>POST<\/code> Users/);
  expect(page).toContain(created.body.id);
  expect(page).toContain('404');
  expect(page).toContain('created');
  expect(page).not.toContain(OKTA_TOKEN);
  expect(page).not.toContain('console.person');
});
