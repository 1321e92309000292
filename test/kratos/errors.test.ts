import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.ts';
import { isDefinitelyNotApplied, KratosError } from '../../src/kratos/errors.ts';
import { errorFromResponse } from '../../src/kratos/http.ts';
import { parseRetryAfterMs } from '../../src/kratos/retry-after.ts';

const request = {
  operation: 'createIdentity',
  method: 'POST',
  path: '/admin/identities',
  accept: [201],
} as const;

function fromStatus(status: number, data: unknown = undefined, headers: Record<string, string> = {}) {
  return errorFromResponse(
    request,
    { status, headers, data, json: data !== undefined },
    Date.parse('2026-01-01T00:00:00Z'),
  );
}

describe('KratosError classification (by HTTP status only)', () => {
  it.each([
    [429, 'SYNC_ERR_KRATOS_RATE_LIMITED', 'transient'],
    [502, 'SYNC_ERR_KRATOS_UNAVAILABLE', 'transient'],
    [503, 'SYNC_ERR_KRATOS_UNAVAILABLE', 'transient'],
    [504, 'SYNC_ERR_KRATOS_UNAVAILABLE', 'transient'],
    [408, 'SYNC_ERR_KRATOS_UNAVAILABLE', 'transient'],
    [409, 'SYNC_ERR_KRATOS_CONFLICT', 'conflict'],
    [404, 'SYNC_ERR_KRATOS_NOT_FOUND', 'not-found'],
    [400, 'SYNC_ERR_KRATOS_REJECTED', 'permanent'],
    [401, 'SYNC_ERR_KRATOS_REJECTED', 'permanent'],
    [403, 'SYNC_ERR_KRATOS_REJECTED', 'permanent'],
    [422, 'SYNC_ERR_KRATOS_REJECTED', 'permanent'],
    [500, 'SYNC_ERR_KRATOS_REJECTED', 'permanent'],
    [501, 'SYNC_ERR_KRATOS_REJECTED', 'permanent'],
  ])('HTTP %i → %s (%s)', (status, code, retryClass) => {
    const err = fromStatus(status);
    expect(err).toBeInstanceOf(KratosError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('KratosError');
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.retryClass).toBe(retryClass);
    expect(ERROR_CATALOGUE[err.code].retry).toBe(retryClass);
    expect(err.operation).toBe('createIdentity');
  });

  it('trusts the HTTP status over the body code (HTTP 400 with body code 500, docs/kratos-behaviour.md)', () => {
    const err = fromStatus(400, {
      error: { code: 500, status: 'Internal Server Error', message: 'json: unknown field "id"' },
    });
    expect(err.status).toBe(400);
    expect(err.retryClass).toBe('permanent');
    expect(err.envelope).toEqual({ message: 'json: unknown field "id"' });
  });

  it('keeps the envelope fields and names them in the message', () => {
    const err = fromStatus(409, {
      error: {
        id: 'some_id',
        code: 409,
        status: 'Conflict',
        reason: 'This identity conflicts with another identity that already exists.',
        message: 'The resource could not be created due to a conflict',
      },
    });
    expect(err.envelope).toEqual({
      id: 'some_id',
      reason: 'This identity conflicts with another identity that already exists.',
      message: 'The resource could not be created due to a conflict',
    });
    expect(err.message).toBe(
      'Kratos createIdentity: HTTP 409 — The resource could not be created due to a conflict ' +
        '(This identity conflicts with another identity that already exists.)',
    );
  });

  it('says when the answer was not a Kratos error body', () => {
    expect(fromStatus(404).message).toContain('not a Kratos error body');
  });

  it('carries the server-named wait from x-ratelimit-reset or Retry-After', () => {
    expect(fromStatus(429, undefined, { 'x-ratelimit-reset': '3' }).retryAfterMs).toBe(3000);
    expect(fromStatus(503, undefined, { 'retry-after': '2' }).retryAfterMs).toBe(2000);
    expect(fromStatus(429).retryAfterMs).toBeUndefined();
  });

  it('treats no answer as transient and possibly applied, a refused connection as not applied', () => {
    const timeout = new KratosError({
      status: undefined,
      network: true,
      operation: 'x',
      message: 'timed out',
    });
    expect(timeout.retryClass).toBe('transient');
    expect(isDefinitelyNotApplied(timeout)).toBe(false);
    const refused = new KratosError({
      status: undefined,
      network: true,
      operation: 'x',
      message: 'network error',
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(isDefinitelyNotApplied(refused)).toBe(true);
    expect(isDefinitelyNotApplied(fromStatus(502))).toBe(false);
    expect(isDefinitelyNotApplied(fromStatus(504))).toBe(false);
    expect(isDefinitelyNotApplied(fromStatus(503))).toBe(true);
    expect(isDefinitelyNotApplied(fromStatus(429))).toBe(true);
  });

  it('a client-side refusal is permanent and has no status', () => {
    const err = new KratosError({
      status: undefined,
      operation: 'batchCreateIdentities',
      message: 'too many',
    });
    expect(err.retryClass).toBe('permanent');
    expect(err.code).toBe('SYNC_ERR_KRATOS_REJECTED');
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds, fractions and HTTP dates', () => {
    expect(parseRetryAfterMs({ 'retry-after': '5' }, now)).toBe(5000);
    expect(parseRetryAfterMs({ 'x-ratelimit-reset': '0.5' }, now)).toBe(500);
    expect(parseRetryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBe(0);
  });
  it('takes the longer of the two headers and ignores junk', () => {
    expect(parseRetryAfterMs({ 'retry-after': '2', 'x-ratelimit-reset': '9' }, now)).toBe(9000);
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'x-ratelimit-reset': '-1' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
  });
});
