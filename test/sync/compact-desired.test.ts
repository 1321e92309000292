import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceSection } from '../../src/config/sections/source.ts';
import type { Identity, JsonObject } from '../../src/domain/identity.ts';
import type { DesiredIdentity } from '../../src/domain/plan.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { compileMapper } from '../../src/mapping/compile-mapper.ts';
import { createCsvSource } from '../../src/sources/csv/csv-source.ts';
import {
  CompactDesired,
  DESIRED_FIELD_ORDER,
  decodeDesired,
  encodeDesired,
} from '../../src/sync/compact-desired.ts';
import { isSettled } from '../../src/sync/managed-unchanged.ts';
import { readCompactSnapshot, readSnapshot } from '../../src/sync/snapshot.ts';
import { targetFields } from '../../src/sync/target.ts';
import { markerOf } from '../../src/domain/ownership-marker.ts';

const employeeSchema = JSON.parse(
  readFileSync(new URL('../../config/demo/employee.schema.json', import.meta.url), 'utf8'),
) as JsonObject;

// A full sync keeps every desired person as one compact string until their identity is listed. The string
// must give back exactly the record that was mapped, or the settle check would see a different person.

function person(over: Partial<DesiredIdentity> = {}): DesiredIdentity {
  const merged: Record<string, unknown> = {
    key: 'E000001',
    schemaId: 'employee',
    traits: { email: 'ada@example.com', name: { first: 'Ada', last: 'Lovelace' }, tags: ['a', 'b'], n: 1.5 },
    metadataPublic: { team: 'Ω-Ünits 🚀' },
    metadataAdmin: { department_code: 'ENG' },
    state: 'active',
    leaver: false,
    createOnly: ['metadataPublic'],
    createOnlyTraits: ['name.first'],
    externalId: 'hr-E000001',
    version: '2026-01-01T00:00:00Z',
    email: 'ada@example.com',
    ...over,
  };
  const ordered: Record<string, unknown> = {};
  for (const field of DESIRED_FIELD_ORDER) if (field in merged) ordered[field] = merged[field];
  return ordered as unknown as DesiredIdentity;
}

/** The identity a create of `desired` leaves in Kratos. */
function createdFrom(desired: DesiredIdentity): Identity {
  const fields = targetFields(desired, null, 'hr', true);
  return { id: 'id-1', ...fields, state: fields.state } as Identity;
}

describe('compact desired records', () => {
  it('give back the same record: fields, values and key order, optional fields present or absent', () => {
    const records = [
      person(),
      person({ leaver: true, state: 'inactive', leftAt: '2026-02-01T00:00:00.000Z' }),
      person({ metadataPublic: null, metadataAdmin: null, createOnly: [], createOnlyTraits: [] }),
      (({ externalId: _e, version: _v, email: _m, ...rest }) => rest)(person()),
    ];
    for (const record of records) {
      const text = encodeDesired(record);
      expect(text).toBeTypeOf('string');
      const back = decodeDesired(record.key, text!);
      expect(back).toStrictEqual(record);
      expect(Object.keys(back)).toEqual(Object.keys(record));
      expect(Object.keys(back.traits)).toEqual(Object.keys(record.traits));
    }
  });

  it('keep as it is any record JSON would not give back exactly', () => {
    const inexact: Array<[string, DesiredIdentity]> = [
      ['a number JSON has no form for', person({ traits: { n: Number.NaN } })],
      ['minus zero', person({ traits: { n: -0 } })],
      ['an undefined property', person({ traits: { email: 'a@example.com', nick: undefined } })],
      ['an array hole', person({ traits: { tags: Object.assign(new Array(3), { 0: 'a', 2: 'c' }) } })],
      ['a Date', person({ traits: { born: new Date(0) } as never })],
      ['a null-prototype object', person({ metadataAdmin: Object.assign(Object.create(null), { a: 1 }) })],
      ['an unknown field', { ...person(), extra: 1 } as DesiredIdentity],
      ['an optional field set to undefined', { ...person(), version: undefined }],
      ['fields in another order', (({ key, ...rest }) => ({ ...rest, key }))(person())],
      ['email before the leaving date', { ...person(), leftAt: '2026-02-01T00:00:00.000Z' }],
    ];
    for (const [what, record] of inexact) {
      expect(encodeDesired(record), what).toBeUndefined();
      const store = new CompactDesired();
      store.set(record);
      expect(store.get(record.key), what).toBe(record);
    }
  });

  it('hand out a copy: changing what get returns does not change the stored record', () => {
    const store = new CompactDesired();
    store.set(person());
    const first = store.get('E000001')!;
    (first.traits.name as { last: string }).last = 'Byron';
    first.state = 'inactive';
    expect(store.get('E000001')).toStrictEqual(person());
  });

  it('hold a record as it is once keepAsIs is told (a planned create holds it; the text is let go of)', () => {
    const store = new CompactDesired();
    store.set(person({ key: 'K1' }));
    store.set(person({ key: 'K2' }));
    const planned = store.get('K1')!;
    store.keepAsIs(planned);
    expect(store.get('K1')).toBe(planned);
    expect(store.get('K2')).not.toBe(store.get('K2'));
    expect([...store.keys()]).toEqual(['K1', 'K2']);
  });

  it('keep source order through deletes, and values() gives the records back', () => {
    const store = new CompactDesired();
    for (const key of ['E3', 'E1', 'E2']) store.set(person({ key, email: `${key}@example.com` }));
    expect(store.delete('E1')).toBe(true);
    expect(store.delete('E1')).toBe(false);
    expect([...store.keys()]).toEqual(['E3', 'E2']);
    expect([...store.values()].map((d) => d.email)).toEqual(['E3@example.com', 'E2@example.com']);
    expect(store.size).toBe(2);
    expect(store.has('E2')).toBe(true);
  });

  it('settle an identical person, and not one whose compared field changed', () => {
    const base = person();
    const identity = createdFrom(base);
    const store = new CompactDesired();
    const settled = (desired: DesiredIdentity): boolean => {
      store.set(desired);
      const back = store.get(desired.key)!;
      const marker = markerOf(identity, 'hr')!;
      const verdict = isSettled(back, identity, marker, 'hr', true);
      // The compact path and the record itself must agree on every case.
      expect(verdict).toBe(isSettled(desired, identity, marker, 'hr', true));
      return verdict;
    };
    expect(settled(base)).toBe(true);
    const changes: Array<[string, DesiredIdentity]> = [
      ['a nested trait', person({ traits: { ...base.traits, name: { first: 'Ada', last: 'Byron' } } })],
      ['an array trait', person({ traits: { ...base.traits, tags: ['b', 'a'] } })],
      ['a number trait', person({ traits: { ...base.traits, n: 2 } })],
      ['a new trait', person({ traits: { ...base.traits, phone: '+1' } })],
      ['admin metadata', person({ metadataAdmin: { department_code: 'OPS' } })],
      ['the state', person({ state: 'inactive' })],
      ['the schema', person({ schemaId: 'contractor' })],
      ['the external id', person({ externalId: 'hr-X' })],
      ['a newer version', person({ version: '2026-03-01T00:00:00Z' })],
      ['an older version (stale)', person({ version: '2025-01-01T00:00:00Z' })],
      ['a leaver', person({ leaver: true, state: 'inactive' })],
      ['public metadata no longer create-only', person({ createOnly: [], metadataPublic: { team: 'x' } })],
    ];
    for (const [what, changed] of changes) expect(settled(changed), what).toBe(false);
    // Create-only parts keep what Kratos has: a change there is not a change to write.
    expect(settled(person({ metadataPublic: { team: 'other' } }))).toBe(true);
  });
});

describe('a compact snapshot', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'compact-snapshot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const mapper = () =>
    compileMapper({
      sourceName: 'hr',
      mapping: sourceSection.shape.mapping.parse({
        key: 'id',
        externalId: 'ext',
        schemaId: '"employee"',
        traits: '{ "email": email, "name": { "first": first, "last": "Doe" } }',
        metadataAdmin: '{ "code": $uppercase(first) }',
        version: 'updated_at',
      }),
      leaver: sourceSection.shape.leaver.parse({ policy: 'deactivate', when: 'status = "left"' }),
      schemas: new Map([['employee', employeeSchema]]),
    });

  function deps(rows: string[]) {
    const file = path.join(dir, `people-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, ['id,ext,email,first,status,updated_at', ...rows].join('\n') + '\n');
    const source = createCsvSource({
      name: 'hr',
      connection: { type: 'csv', path: file, columns: {} },
      baseDir: dir,
      keyOf: (record) => (typeof record.id === 'string' && record.id !== '' ? record.id : undefined),
    });
    return { source, mapper: mapper(), logger: silentLogger(), now: () => new Date('2026-06-01T00:00:00Z') };
  }

  it('holds what the plain snapshot holds: duplicates and quarantine unchanged, emails and external ids of the desired only', async () => {
    const rows = [
      'A1,x-1,a1@example.com,Ann,active,2026-01-01',
      'A2,x-2,dup@example.com,Bob,active,2026-01-01', // same email as A3: both quarantined
      'A3,x-3,DUP@example.com,Cat,active,2026-01-01',
      'A4,x-4,a4@example.com,Dan,active,2026-01-01', // key twice: both quarantined
      'A5,x-shared,a5@example.com,Eve,active,2026-01-01',
      'A4,x-4b,a4b@example.com,Dan,active,2026-01-01',
      'A6,x-shared,a6@example.com,Fay,left,2026-01-01', // a leaver, same external id as A5
      ',x-7,a7@example.com,Gus,active,2026-01-01', // no key
      'A8,,a8@example.com,Hal,active,2026-01-01', // no external id
    ];
    const plain = await readSnapshot(deps(rows));
    // Compact from the second desired person on (a full sync's default is past the first 100,000).
    const compact = await readCompactSnapshot(deps(rows), { compactFrom: 1 });
    expect([...compact.desired.values()]).toStrictEqual(plain.desired);
    expect(plain.desired.map((d) => d.key)).toEqual(['A1', 'A5', 'A6', 'A8']);
    expect(compact.quarantined).toStrictEqual(plain.quarantined);
    expect(compact.quarantined.map((q) => `${q.key}:${q.rule}`).sort()).toEqual(
      [
        'A2:duplicate-email',
        'A3:duplicate-email',
        'A4:duplicate-key',
        'A4:duplicate-key',
        '#8:missing-key',
      ].sort(),
    );
    expect([...compact.presentKeys].sort()).toEqual([...plain.presentKeys].sort());
    expect([compact.records, compact.complete, compact.unkeyed]).toEqual([
      plain.records,
      true,
      plain.unkeyed,
    ]);
    expect([...compact.emails].sort()).toEqual(
      plain.desired.flatMap((d) => (d.email ? [d.email.toLowerCase()] : [])).sort(),
    );
    const expectedIds = new Map<string, number>();
    for (const d of plain.desired) {
      if (d.externalId !== undefined) expectedIds.set(d.externalId, (expectedIds.get(d.externalId) ?? 0) + 1);
    }
    expect(compact.externalIds).toEqual(expectedIds);
    expect(compact.externalIds.get('x-shared')).toBe(2);
    expect(compact.externalIds.has('x-4')).toBe(false);
  });
});
