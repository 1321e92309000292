import { afterEach, describe, expect, it } from 'vitest';
import type { ScimConnection } from '../../src/config/sections/source.ts';
import { sourceSection } from '../../src/config/sections/source.ts';
import { createScimSource } from '../../src/sources/scim/scim-source.ts';
import type { SourceError } from '../../src/sources/types.ts';
import { sourceRowError, type SourceRecord } from '../../src/sources/types.ts';
import { captureLogs } from '../support/capture-logs.ts';
import {
  ENTERPRISE,
  scimUser,
  startFakeScim,
  type FakeScim,
  type FakeScimOptions,
} from '../support/fake-scim.ts';

const TOKEN = 'scim-token-5f2c9a71';
const FAST = { minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };
const directory = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    scimUser({ id: `u${i + 1}`, externalId: `E${i + 1}`, employeeNumber: `${1000 + i + 1}` }),
  );

let scim: FakeScim | undefined;
afterEach(async () => {
  await scim?.close();
  scim = undefined;
});

async function setup(
  serverOptions: FakeScimOptions,
  raw: Record<string, unknown> = {},
  keyField: 'id' | 'externalId' | 'employeeNumber' = 'id',
) {
  scim = await startFakeScim({ token: TOKEN, ...serverOptions });
  const logs = captureLogs('warn');
  const connection = sourceSection.shape.connection.parse({
    type: 'scim',
    baseUrl: scim.baseUrl,
    token: TOKEN,
    ...raw,
  }) as ScimConnection;
  const source = createScimSource({
    name: 'okta',
    connection,
    keyOf: (record) => record[keyField] as string | undefined,
    logger: logs.logger,
    now: () => new Date(),
    retryTiming: FAST,
  });
  return { scim, source, logs };
}

async function readAll(source: { stream(): AsyncIterable<SourceRecord> }) {
  const records: SourceRecord[] = [];
  for await (const record of source.stream()) records.push(record);
  return records;
}

async function readUntilError(source: { stream(): AsyncIterable<SourceRecord> }) {
  const records: SourceRecord[] = [];
  try {
    for await (const record of source.stream()) records.push(record);
  } catch (error) {
    return { records, error: error as SourceError };
  }
  throw new Error(`expected the stream to throw; it ended after ${records.length} records`);
}

const listRequests = (fake: FakeScim) => fake.requests.filter((r) => r.path === '/scim/v2/Users');

describe('SCIM source: reading /Users', () => {
  it('pages by startIndex with what each page really held, with bearer auth and the SCIM media type', async () => {
    // We ask for 10 a page; the server hands out 7.
    const { scim, source } = await setup({ users: directory(23), maxPageSize: 7 }, { pageSize: 10 });
    const records = await readAll(source);
    expect(records.map((r) => r.id)).toEqual(directory(23).map((u) => u.id));
    const pages = listRequests(scim);
    expect(pages.map((r) => r.query.get('startIndex'))).toEqual(['1', '8', '15', '22']);
    expect(pages.every((r) => r.query.get('count') === '10')).toBe(true);
    expect(pages.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(pages[0]!.headers.accept).toMatch(/^application\/scim\+json/);
  });

  it('yields flattened users with core and enterprise attributes', async () => {
    const boss = scimUser({ id: 'm1', externalId: 'E0', givenName: 'Maria', familyName: 'Boss' });
    const user = scimUser({
      id: 'u7',
      externalId: 'E7',
      userName: 'kim@example.com',
      givenName: 'Kim',
      familyName: 'Lee',
      title: 'Engineer',
      department: 'R&D',
      employeeNumber: '7007',
      manager: { value: 'm1', displayName: 'Maria Boss' },
      emails: [
        { value: 'kim@home.example', type: 'home' },
        { value: 'kim@example.com', type: 'work', primary: true },
      ],
      lastModified: '2025-03-04T05:06:07Z',
      active: false,
    });
    const { source } = await setup({ users: [boss, user] });
    const [, kim] = await readAll(source);
    expect(kim).toMatchObject({
      id: 'u7',
      externalId: 'E7',
      userName: 'kim@example.com',
      active: false,
      name: { givenName: 'Kim', familyName: 'Lee' },
      email: 'kim@example.com',
      emails: ['kim@example.com', 'kim@home.example'],
      displayName: 'Kim Lee',
      title: 'Engineer',
      department: 'R&D',
      employeeNumber: '7007',
      manager: 'm1',
      managerDisplayName: 'Maria Boss',
      meta: { lastModified: '2025-03-04T05:06:07Z' },
    });
    expect(kim).not.toHaveProperty('schemas');
    expect(kim).not.toHaveProperty(ENTERPRISE);
  });

  it('sends the configured filter on every page, and the server applies it', async () => {
    const users = directory(9).map((u, i) => ({ ...u, active: i % 3 !== 0 }));
    const { scim, source } = await setup(
      { users, maxPageSize: 4 },
      { filter: 'active eq true', pageSize: 4 },
    );
    const records = await readAll(source);
    expect(records.map((r) => r.id)).toEqual(['u2', 'u3', 'u5', 'u6', 'u8', 'u9']);
    expect(listRequests(scim).map((r) => r.query.get('filter'))).toEqual([
      'active eq true',
      'active eq true',
    ]);
  });

  it('reads an empty directory (no Resources member) as zero users', async () => {
    const { source } = await setup({ users: [] });
    expect(await readAll(source)).toEqual([]);
  });

  it('yields a resource without an id as a bad row and goes on', async () => {
    const users = directory(3);
    delete users[1]!.id;
    const { source } = await setup({ users });
    const records = await readAll(source);
    expect(records.map((r) => sourceRowError(r)?.rule ?? r.id)).toEqual(['u1', 'invalid-resource', 'u3']);
    expect(sourceRowError(records[1]!)?.message).toMatch(
      /^okta: page 1, startIndex 1: not a usable SCIM User \(id: /,
    );
  });
});

describe('SCIM source: a directory that changes while it is read', () => {
  it('yields a user once when an insertion shifts them onto the next page', async () => {
    const { source } = await setup({
      users: directory(10),
      maxPageSize: 5,
      beforePage: (startIndex, users) => {
        if (startIndex === 6) users.unshift(scimUser({ id: 'new1' }));
      },
    });
    const ids = (await readAll(source)).map((r) => r.id);
    // u5 is served again on page 2 (shifted by new1) but yielded once; new1 is picked up on the next run.
    expect(ids).toEqual(directory(10).map((u) => u.id));
  });

  it('throws (snapshot incomplete) when a removal during the read may have hidden someone', async () => {
    const { source } = await setup({
      users: directory(10),
      maxPageSize: 5,
      beforePage: (startIndex, users) => {
        if (startIndex === 6) users.splice(0, 1); // u1 leaves: u6 slides onto page 1, which was already read
      },
    });
    const { records, error } = await readUntilError(source);
    expect(records.map((r) => r.id)).not.toContain('u6');
    expect(error).toMatchObject({ name: 'SourceError', transient: true });
    expect(error.message).toBe(
      'okta: read 9 users but the directory reports 9 (down from 10 while paging): users were removed during the read or the server stopped early; the read is incomplete',
    );
  });

  it('throws when the server stops before totalResults', async () => {
    const { source } = await setup({ users: directory(4), phantomUsers: 2 });
    const { records, error } = await readUntilError(source);
    expect(records).toHaveLength(4);
    expect(error.message).toMatch(/read 4 users but the directory reports 6/);
  });

  it('throws instead of looping when the server ignores startIndex', async () => {
    const { scim, source } = await setup({ users: directory(10), maxPageSize: 5, ignoreStartIndex: true });
    const { records, error } = await readUntilError(source);
    expect(records).toHaveLength(5);
    expect(error.message).toMatch(
      /^okta: page 2: the server served only users already read \(it ignores startIndex/,
    );
    expect(listRequests(scim)).toHaveLength(2);
  });
});

describe('SCIM source: errors and retries', () => {
  it('retries a 503 with Retry-After through the shared HTTP helper', async () => {
    const { scim, source, logs } = await setup({ users: directory(3) });
    scim.inject({ status: 503, retryAfter: '0' });
    expect(await readAll(source)).toHaveLength(3);
    expect(listRequests(scim)).toHaveLength(2);
    expect(logs.text()).toMatch(/HTTP 503; retrying/);
  });

  it('fails at once on a wrong token, without the token in the message or the logs', async () => {
    const { source, logs } = await setup({ users: directory(3), token: 'the-right-one-123' });
    const { error } = await readUntilError(source);
    expect(error).toMatchObject({ name: 'SourceError', transient: false });
    expect(error.message).toMatch(
      /okta: GET http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/Users\?… \(page 1\): HTTP 401: check the source credentials/,
    );
    expect(`${error.message}${String(error.cause)}${logs.text()}`).not.toContain(TOKEN);
  });

  it('throws a permanent SourceError for a body that is not a ListResponse', async () => {
    const { scim, source } = await setup({ users: directory(3) });
    scim.inject({ body: JSON.stringify({ Resources: [] }) });
    const { error } = await readUntilError(source);
    expect(error).toMatchObject({ transient: false });
    expect(error.message).toMatch(/^okta: page 1: not a SCIM ListResponse \(totalResults: /);
  });
});

describe('SCIM source: fetchOne', () => {
  it('GETs /Users/{id} when the key is the SCIM id; 404 is null', async () => {
    const { scim, source } = await setup({ users: directory(3) });
    expect(await source.fetchOne('u2')).toMatchObject({ id: 'u2', externalId: 'E2' });
    expect(await source.fetchOne('nobody')).toBeNull();
    expect(scim.requests.map((r) => r.path)).toEqual(['/scim/v2/Users/u2', '/scim/v2/Users/nobody']);
  });

  it('filters by externalId, escaping quotes, and combines the configured filter', async () => {
    const users = [...directory(3), scimUser({ id: 'q', externalId: 'E"4\\x', active: false })];
    const { scim, source } = await setup(
      { users },
      { keyAttribute: 'externalId', filter: 'active eq true' },
      'externalId',
    );
    expect(await source.fetchOne('E2')).toMatchObject({ id: 'u2' });
    // Inactive: outside the configured population, exactly as a full read would see it.
    expect(await source.fetchOne('E"4\\x')).toBeNull();
    expect(scim.requests.map((r) => r.query.get('filter'))).toEqual([
      '(active eq true) and externalId eq "E2"',
      '(active eq true) and externalId eq "E\\"4\\\\x"',
    ]);
  });

  it('looks up by enterprise employeeNumber', async () => {
    const { scim, source } = await setup(
      { users: directory(3) },
      { keyAttribute: 'employeeNumber' },
      'employeeNumber',
    );
    expect(await source.fetchOne('1003')).toMatchObject({ id: 'u3', employeeNumber: '1003' });
    expect(scim.requests[0]!.query.get('filter')).toBe(`${ENTERPRISE}:employeeNumber eq "1003"`);
  });

  it('refuses an ambiguous key and a keyAttribute that disagrees with mapping.key', async () => {
    const users = [scimUser({ id: 'a', externalId: 'DUP' }), scimUser({ id: 'b', externalId: 'DUP' })];
    const ambiguous = await setup({ users }, { keyAttribute: 'externalId' }, 'externalId');
    await expect(ambiguous.source.fetchOne('DUP')).rejects.toThrow('okta: 2 users have externalId "DUP"');
    await ambiguous.scim.close();

    // mapping.key reads `id`, but lookups go by externalId: every lookup would miss → refuse loudly.
    const mismatched = await setup({ users: directory(2) }, { keyAttribute: 'externalId' }, 'id');
    await expect(mismatched.source.fetchOne('E1')).rejects.toThrow(
      /set connection.keyAttribute to the attribute mapping.key reads/,
    );
  });
});
