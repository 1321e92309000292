import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch, SpecViolation } from './testing/checked-fetch.ts';
import { OpenApiSpec } from './testing/openapi-spec.ts';

// The validating fetch is what makes the conformance suite meaningful, so it is tested against a server
// that answers exactly what each case needs, including answers the spec forbids.
describe('checkedFetch rejects answers the spec does not allow', () => {
  let server: Server;
  let url: string;
  let next: { status: number; type: string; body: string } = {
    status: 200,
    type: 'application/json',
    body: '{}',
  };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(next.status, { 'content-type': next.type });
      res.end(next.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const identity = {
    id: '3b1a7c1e-9c4f-4d0a-8f3e-2a6b5c4d3e2f',
    schema_id: 'default',
    schema_url: 'http://x/schemas/ZGVmYXVsdA',
    traits: {},
  };

  it('accepts a body that matches and counts it', async () => {
    const call = checkedFetch(new OpenApiSpec('v26'), url);
    next = { status: 200, type: 'application/json; charset=utf-8', body: JSON.stringify(identity) };
    expect((await call(`/admin/identities/${identity.id}`)).status).toBe(200);
    expect(call.counts.validated).toBe(1);
  });

  it('rejects an identity without a required field', async () => {
    const call = checkedFetch(new OpenApiSpec('v26'), url);
    const { schema_url: _dropped, ...broken } = identity;
    next = { status: 200, type: 'application/json', body: JSON.stringify(broken) };
    await expect(call(`/admin/identities/${identity.id}`)).rejects.toThrow(/schema_url/);
  });

  it('rejects a non-v4 uuid and a null where the v0.10 spec has no nullable', async () => {
    const call = checkedFetch(new OpenApiSpec('v0.10'), url);
    next = { status: 200, type: 'application/json', body: JSON.stringify({ ...identity, id: 'abc' }) };
    await expect(call(`/admin/identities/${identity.id}`)).rejects.toBeInstanceOf(SpecViolation);
    next = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ ...identity, state_changed_at: null }),
    };
    await expect(call(`/admin/identities/${identity.id}`)).rejects.toBeInstanceOf(SpecViolation);
  });

  it('accepts null where OpenAPI says nullable (v26 organization_id)', async () => {
    const call = checkedFetch(new OpenApiSpec('v26'), url);
    next = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ ...identity, organization_id: null }),
    };
    expect((await call(`/admin/identities/${identity.id}`)).status).toBe(200);
  });

  it('rejects an undocumented status that is not a listed deviation', async () => {
    const call = checkedFetch(new OpenApiSpec('v0.10'), url);
    next = { status: 409, type: 'application/json', body: '{"error":{"code":409,"message":"x"}}' };
    await expect(call(`/admin/identities/${identity.id}`)).rejects.toThrow(/not documented/);
  });

  it('excuses the router 404 only when it is plain text', async () => {
    const call = checkedFetch(new OpenApiSpec('v0.10'), url);
    next = { status: 404, type: 'text/plain; charset=utf-8', body: '404 page not found\n' };
    expect((await call('/admin/recovery/code', { method: 'POST' })).deviation?.why).toMatch(/Go router/);
    next = { status: 404, type: 'application/json', body: '{"error":{"message":"x"}}' };
    await expect(call('/admin/recovery/code', { method: 'POST' })).rejects.toBeInstanceOf(SpecViolation);
  });

  it('rejects a body on a documented empty response', async () => {
    const call = checkedFetch(new OpenApiSpec('v26'), url);
    next = { status: 204, type: 'application/json', body: '' };
    expect((await call(`/admin/identities/${identity.id}`, { method: 'DELETE' })).status).toBe(204);
    next = { status: 200, type: 'application/json', body: '{}' };
    await expect(call(`/admin/identities/${identity.id}`, { method: 'DELETE' })).rejects.toBeInstanceOf(
      SpecViolation,
    );
  });
});
