import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.ts';
import { sourceSection, type SourceConfig } from '../../src/config/sections/source.ts';
import { DeliveryError } from '../../src/delivery/channel.ts';
import { newReport } from '../../src/domain/run-report.ts';
import { ERROR_CATALOGUE, SyncError } from '../../src/errors/catalogue.ts';
import { catalogueCode, describeError } from '../../src/errors/describe-error.ts';
import { KratosError } from '../../src/kratos/errors.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { compileMapper } from '../../src/mapping/compile-mapper.ts';
import { decideFailure } from '../../src/queue/failure-policy.ts';
import { createSource } from '../../src/sources/create-source.ts';
import { SourceError } from '../../src/sources/types.ts';
import { failRun } from '../../src/sync/full-sync-phases.ts';
import { readSnapshot } from '../../src/sync/snapshot.ts';
import { undoRefused } from '../../src/sync/undo-plan.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';

// Every error that crosses a boundary carries its SYNC_ERR_* code in a field; describeError, the job's
// failed reason (what the worker logs and BullMQ keeps) and the run report read it from there.

const boundaryErrors: Array<[string, Error, string]> = [
  [
    'a SourceError the source may answer later',
    new SourceError('hr: HTTP 503'),
    'SYNC_ERR_SOURCE_UNAVAILABLE',
  ],
  [
    'a SourceError the source refused',
    new SourceError('hr: HTTP 401: check the source credentials', { transient: false }),
    'SYNC_ERR_SOURCE_REFUSED',
  ],
  ['a ConfigError', new ConfigError('sources.hr.mapping.traits: not valid'), 'SYNC_ERR_CONFIG_INVALID'],
  ['a DeliveryError', new DeliveryError('smtp', 'ECONNREFUSED', true), 'SYNC_ERR_DELIVERY_FAILED'],
  [
    'a KratosError',
    new KratosError({ status: 409, operation: 'createIdentity', message: 'Kratos createIdentity: HTTP 409' }),
    'SYNC_ERR_KRATOS_CONFLICT',
  ],
  ['an undo refusal', undoRefused('run x was a dry run: it changed nothing'), 'SYNC_ERR_UNDO_REFUSED'],
];

describe('boundary errors carry a catalogue code', () => {
  it.each(boundaryErrors)('%s has its code as a field, listed in the catalogue', (_case, error, code) => {
    expect((error as Error & { code?: unknown }).code).toBe(code);
    expect(Object.hasOwn(ERROR_CATALOGUE, code)).toBe(true);
    expect(describeError(error)).toEqual({ code, message: error.message });
  });

  it.each(boundaryErrors)("%s: its code reaches the job's failed reason", (_case, error, code) => {
    expect(decideFailure(error).reason).toBe(`${code}: ${error.message}`);
  });

  it('reads the code from the field, never from the message', () => {
    const lookalike = new Error('SYNC_ERR_RUN_LOCKED: but only in the text');
    expect(catalogueCode(lookalike)).toBeUndefined();
    expect(describeError(lookalike).code).toBe('Error');
    const socket = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(describeError(socket)).toEqual({ code: 'Error', message: 'read ECONNRESET' });
    expect(describeError(new TypeError('x is undefined')).code).toBe('TypeError');
    expect(describeError('a thrown string')).toEqual({ code: 'Error', message: 'a thrown string' });
  });

  it.each([
    [
      'ConfigError',
      new ConfigError('sources.hr.leaver.timeZone: not an IANA zone'),
      'SYNC_ERR_CONFIG_INVALID',
    ],
    ['DeliveryError', new DeliveryError('webhook', 'HTTP 500', false), 'SYNC_ERR_DELIVERY_FAILED'],
    ['SourceError', new SourceError('hr: HTTP 403', { transient: false }), 'SYNC_ERR_SOURCE_REFUSED'],
  ])('a run that fails on a %s reports its code, not the fallback', (_case, error, code) => {
    const report = newReport({
      id: 'r1',
      source: 'hr',
      trigger: 'cli',
      dryRun: false,
      startedAt: new Date(0),
    });
    failRun(report, error, 'SYNC_ERR_KRATOS_UNAVAILABLE');
    expect(report.error).toEqual({ code, message: error.message });
  });
});

describe("a source's verdict reaches the run's snapshot", () => {
  let api: FakeHrApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const mapper = () =>
    compileMapper({
      sourceName: 'hr',
      mapping: sourceSection.shape.mapping.parse({ key: 'id', traits: '{"email": email}' }),
      leaver: sourceSection.shape.leaver.parse({}),
      schemas: new Map(),
    });

  async function snapshotOf(token: string) {
    api = await startFakeHrApi({ people: [], auth: { type: 'bearer', token: 'right-token-123' } });
    const source = createSource({
      name: 'hr',
      connection: sourceSection.shape.connection.parse({
        type: 'http-json',
        url: api.collectionUrl,
        retries: 0,
        auth: { type: 'bearer', token },
      }) as SourceConfig['connection'],
      baseDir: process.cwd(),
      logger: silentLogger(),
      keyOf: (record) => record.id as string | undefined,
    });
    return readSnapshot({ source, mapper: mapper(), logger: silentLogger(), now: () => new Date() });
  }

  it('a refused read (HTTP 401) is SYNC_ERR_SOURCE_REFUSED, from the SourceError, not a fixed code', async () => {
    const snapshot = await snapshotOf('wrong-token-456');
    expect(snapshot.complete).toBe(false);
    expect(snapshot.error?.code).toBe('SYNC_ERR_SOURCE_REFUSED');
    expect(snapshot.error?.message).toContain('HTTP 401');
  });

  it('an unreachable or failing source stays SYNC_ERR_SOURCE_UNAVAILABLE', async () => {
    api = await startFakeHrApi({ people: [] });
    api.inject({ status: 503 }, { times: 99 });
    const source = createSource({
      name: 'hr',
      connection: sourceSection.shape.connection.parse({
        type: 'http-json',
        url: api.collectionUrl,
        retries: 0,
      }) as SourceConfig['connection'],
      baseDir: process.cwd(),
      logger: silentLogger(),
      keyOf: (record) => record.id as string | undefined,
    });
    const snapshot = await readSnapshot({
      source,
      mapper: mapper(),
      logger: silentLogger(),
      now: () => new Date(),
    });
    expect(snapshot.error?.code).toBe('SYNC_ERR_SOURCE_UNAVAILABLE');
    expect(new SyncError('SYNC_ERR_SOURCE_UNAVAILABLE', 'x').retry).toBe('transient');
  });
});
