import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.ts';
import { sourceSection, type SourceConfig } from '../../src/config/sections/source.ts';
import type { JsonObject } from '../../src/domain/identity.ts';
import { compileMapper } from '../../src/mapping/compile-mapper.ts';
import type { MappingResult } from '../../src/mapping/types.ts';
import { badRow, withLine } from '../../src/sources/record-meta.ts';

const employeeSchema = JSON.parse(
  readFileSync(new URL('../../config/demo/employee.schema.json', import.meta.url), 'utf8'),
) as JsonObject;
const NOW = new Date('2026-11-27T12:00:00Z');

function config(overrides: { mapping?: object; leaver?: object } = {}): SourceConfig {
  return sourceSection.parse({
    connection: { type: 'csv', path: 'x.csv' },
    mapping: {
      key: 'employee_id',
      scope: 'status != "contractor"',
      externalId: '"hr-" & employee_id',
      schemaId: '"employee"',
      traits:
        '{ "email": $lowercase(work_email), "name": { "first": first_name, "last": last_name }, "department": department }',
      metadataPublic: '{ "title": title }',
      metadataAdmin: '{ "manager": manager_email }',
      version: 'updated_at',
      ...overrides.mapping,
    },
    leaver: {
      when: 'status = "terminated"',
      terminationDate: 'termination_date',
      timeZone: 'Europe/Berlin',
      ...overrides.leaver,
    },
  });
}

function mapperFor(cfg = config()) {
  return compileMapper({
    sourceName: 'hr',
    mapping: cfg.mapping,
    leaver: cfg.leaver,
    schemas: new Map([['employee', employeeSchema]]),
  });
}

const record = (overrides: Record<string, unknown> = {}) => ({
  employee_id: 'E1001',
  first_name: 'Amara',
  last_name: 'Okafor',
  work_email: 'Amara.Okafor@Example.com',
  department: 'Engineering',
  title: 'Engineering Manager',
  manager_email: 'boss@example.com',
  status: 'active',
  termination_date: '',
  updated_at: '2026-10-01T09:00:00Z',
  ...overrides,
});

function quarantineOf(result: MappingResult) {
  if (result.ok !== false) throw new Error(`expected a quarantine, got ${JSON.stringify(result)}`);
  return result.quarantine;
}

describe('compileMapper: a good record', () => {
  it('maps every part of the desired identity and finds the email identifier in the schema', async () => {
    const result = await mapperFor().map(record(), 1, NOW);
    expect(result.ok).toBe(true);
    if (result.ok !== true) return;
    expect(result.desired).toEqual({
      key: 'E1001',
      externalId: 'hr-E1001',
      schemaId: 'employee',
      traits: {
        email: 'amara.okafor@example.com',
        name: { first: 'Amara', last: 'Okafor' },
        department: 'Engineering',
      },
      metadataPublic: { title: 'Engineering Manager' },
      metadataAdmin: { manager: 'boss@example.com' },
      state: 'active',
      version: '2026-10-01T09:00:00Z',
      leaver: false,
      email: 'amara.okafor@example.com',
      createOnly: [],
      createOnlyTraits: [],
    });
  });

  it('reads the key as a dotted path, trimmed, numbers stringified', () => {
    const mapper = mapperFor(config({ mapping: { key: 'ids.hr' } }));
    expect(mapper.keyOf({ ids: { hr: '  E7 ' } })).toBe('E7');
    expect(mapper.keyOf({ ids: { hr: 42 } })).toBe('42');
    expect(mapper.keyOf({ ids: { hr: '   ' } })).toBeUndefined();
    expect(mapper.keyOf({ ids: 'E7' })).toBeUndefined();
    expect(mapper.keyOf({})).toBeUndefined();
  });

  it('leaves metadata the mapping does not mention to whoever else writes it (create-only)', async () => {
    const mapper = mapperFor(config({ mapping: { metadataAdmin: undefined, createOnly: ['traits'] } }));
    const result = await mapper.map(record(), 1, NOW);
    expect(result.ok === true && result.desired.metadataAdmin).toBeNull();
    expect(result.ok === true && result.desired.createOnly).toEqual(['traits', 'metadataAdmin']);
    const mapped = await mapperFor().map(record(), 1, NOW);
    expect(mapped.ok === true && mapped.desired.createOnly).toEqual([]);
  });

  it('says out-of-scope when the scope expression is false', async () => {
    expect(await mapperFor().map(record({ status: 'contractor' }), 1, NOW)).toEqual({
      ok: 'out-of-scope',
      key: 'E1001',
    });
  });
});

describe('compileMapper: leavers', () => {
  it('marks a leaver from leaver.when and makes the desired state inactive', async () => {
    const result = await mapperFor().map(record({ status: 'terminated' }), 1, NOW);
    expect(result.ok === true && [result.desired.leaver, result.desired.state]).toEqual([true, 'inactive']);
  });

  it('does not hold a leaver back over blanked fields (they are offboarded, not written)', async () => {
    const blanked = record({ status: 'terminated', work_email: '', last_name: undefined });
    const result = await mapperFor().map(blanked, 1, NOW);
    expect(result.ok === true && [result.desired.key, result.desired.leaver]).toEqual(['E1001', true]);
    const ignoring = mapperFor(config({ leaver: { policy: 'ignore' } }));
    expect(quarantineOf(await ignoring.map(blanked, 1, NOW))).toMatchObject({ rule: 'format:email' });
  });

  it('makes a date-only termination date count from midnight in leaver.timeZone', async () => {
    const mapper = mapperFor();
    const leaverAt = async (now: string) => {
      const result = await mapper.map(record({ termination_date: '2026-03-31' }), 1, new Date(now));
      return result.ok === true && result.desired.leaver;
    };
    // Midnight in Berlin on 31 March 2026 (CEST, UTC+2) is 22:00 UTC on the 30th.
    expect(await leaverAt('2026-03-30T21:59:59Z')).toBe(false);
    expect(await leaverAt('2026-03-30T22:00:00Z')).toBe(true);
  });

  it('honours an explicit offset in a termination date-time', async () => {
    const mapper = mapperFor();
    const result = await mapper.map(record({ termination_date: '2026-11-27T12:00:01Z' }), 1, NOW);
    expect(result.ok === true && result.desired.leaver).toBe(false);
    const passed = await mapper.map(record({ termination_date: '2026-11-27T13:00:00+01:00' }), 1, NOW);
    expect(passed.ok === true && passed.desired.leaver).toBe(true);
  });

  it('quarantines a termination date that is not ISO', async () => {
    const q = quarantineOf(await mapperFor().map(record({ termination_date: '31.03.2026' }), 4, NOW));
    expect(q).toEqual({
      key: 'E1001',
      field: 'leaver.terminationDate',
      rule: 'format:date',
      message: 'leaver.terminationDate is not an ISO date (YYYY-MM-DD) or date-time',
    });
  });
});

describe('compileMapper: quarantine reasons are precise and do not echo the record', () => {
  it('names the trait and the format for an invalid email', async () => {
    const q = quarantineOf(await mapperFor().map(record({ work_email: 'not-an-email' }), 3, NOW));
    expect(q).toEqual({
      key: 'E1001',
      field: 'traits.email',
      rule: 'format:email',
      message: 'traits.email is not a valid email',
    });
  });

  it('names a missing required trait, with the CSV line when the source gives one', async () => {
    const q = quarantineOf(await mapperFor().map(withLine(record({ last_name: undefined }), 12), 11, NOW));
    expect(q).toEqual({
      key: 'E1001',
      field: 'traits.name.last',
      rule: 'required',
      message: 'line 12: traits.name.last is required by identity schema "employee"',
    });
  });

  it('uses the position when the key is missing', async () => {
    const q = quarantineOf(await mapperFor().map(record({ employee_id: '' }), 9, NOW));
    expect(q).toMatchObject({ key: '#9', field: 'employee_id', rule: 'missing-key' });
  });

  it('refuses an external_id over 64 characters (Kratos stores VARCHAR(64))', async () => {
    const q = quarantineOf(await mapperFor().map(record({ employee_id: 'E'.repeat(62) }), 1, NOW));
    expect(q).toMatchObject({ field: 'external_id', rule: 'max-length' });
    expect(q.message).toBe('external_id is 65 characters long; Kratos stores at most 64');
  });

  it('quarantines an unknown schema id, naming the known ones', async () => {
    const q = quarantineOf(
      await mapperFor(config({ mapping: { schemaId: 'schema' } })).map(
        record({ schema: 'contractor' }),
        1,
        NOW,
      ),
    );
    expect(q).toEqual({
      key: 'E1001',
      field: 'schema_id',
      rule: 'unknown-schema',
      message: 'identity schema "contractor" does not exist in Kratos (known: employee)',
    });
  });

  it('reports a failing expression by field and JSONata code, without the value', async () => {
    const mapper = mapperFor(config({ mapping: { metadataPublic: '{ "level": $number(level) }' } }));
    const q = quarantineOf(await mapper.map(record({ level: 'secret-value-123' }), 1, NOW));
    expect(q).toMatchObject({ key: 'E1001', field: 'mapping.metadataPublic', rule: 'expression-error' });
    expect(q.message).toMatch(/^mapping\.metadataPublic failed: D3030/);
    expect(q.message).not.toContain('secret-value-123');
  });

  it('checks the type of what expressions produce', async () => {
    const state = quarantineOf(
      await mapperFor(config({ mapping: { state: 'status' } })).map(record({ status: 'on-leave' }), 1, NOW),
    );
    expect(state).toMatchObject({ field: 'state', rule: 'enum' });
    expect(state.message).not.toContain('on-leave');
    const traits = quarantineOf(
      await mapperFor(config({ mapping: { traits: 'work_email' } })).map(record(), 1, NOW),
    );
    expect(traits).toEqual({
      key: 'E1001',
      field: 'traits',
      rule: 'type',
      message: 'mapping.traits must evaluate to an object, got a string',
    });
    const scope = quarantineOf(
      await mapperFor(config({ mapping: { scope: 'status' } })).map(record(), 1, NOW),
    );
    expect(scope).toMatchObject({ field: 'mapping.scope', rule: 'type' });
  });

  it('keeps the ownership marker key out of reach of the mapping', async () => {
    const mapper = mapperFor(config({ mapping: { metadataAdmin: '{ "kratos_sync": "x" }' } }));
    expect(quarantineOf(await mapper.map(record(), 1, NOW))).toMatchObject({
      field: 'metadata_admin.kratos_sync',
      rule: 'reserved',
    });
  });

  it('quarantines a bad row from the source with its own reason', async () => {
    const row = badRow(
      { rule: 'field-count', message: 'line 7: expected 12 fields as in the header, found 13', key: 'E1007' },
      7,
    );
    expect(quarantineOf(await mapperFor().map(row, 6, NOW))).toEqual({
      key: 'E1007',
      rule: 'field-count',
      message: 'line 7: expected 12 fields as in the header, found 13',
    });
    const unkeyed = badRow({ rule: 'not-an-object', message: 'item 3 is not an object' });
    expect(quarantineOf(await mapperFor().map(unkeyed, 3, NOW)).key).toBe('#3');
  });
});

describe('compileMapper: configuration errors at start-up', () => {
  it('names the config path of an expression that does not compile', () => {
    expect(() => mapperFor(config({ mapping: { traits: '{ "email": ' } }))).toThrow(ConfigError);
    expect(() => mapperFor(config({ mapping: { traits: '{ "email": ' } }))).toThrow(
      /^sources\.hr\.mapping\.traits: not a valid JSONata expression/,
    );
    expect(() => mapperFor(config({ leaver: { when: 'status = ' } }))).toThrow(/^sources\.hr\.leaver\.when:/);
  });

  it('refuses an unknown time zone', () => {
    expect(() => mapperFor(config({ leaver: { timeZone: 'Mars/Olympus' } }))).toThrow(
      /sources\.hr\.leaver\.timeZone/,
    );
  });
});
