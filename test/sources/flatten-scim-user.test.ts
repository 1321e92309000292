import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenScimUser } from '../../src/sources/scim/flatten-scim-user.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/sources', name), 'utf8'));

describe('flattenScimUser', () => {
  it('flattens the RFC 7643 enterprise User example into the documented shape', () => {
    const result = flattenScimUser(fixture('scim-user-rfc7643-enterprise.json'));
    expect(result).toEqual({
      ok: true,
      record: {
        id: '2819c223-7f76-453a-919d-413861904646',
        externalId: '701984',
        userName: 'bjensen@example.com',
        displayName: 'Babs Jensen',
        nickName: 'Babs',
        title: 'Tour Guide',
        userType: 'Employee',
        preferredLanguage: 'en-US',
        locale: 'en-US',
        timezone: 'America/Los_Angeles',
        profileUrl: 'https://login.example.com/bjensen',
        active: true,
        name: {
          formatted: 'Ms. Barbara J Jensen, III',
          givenName: 'Barbara',
          familyName: 'Jensen',
          middleName: 'Jane',
          honorificPrefix: 'Ms.',
          honorificSuffix: 'III',
        },
        email: 'bjensen@example.com',
        emails: ['bjensen@example.com', 'babs@jensen.org'],
        phoneNumber: '555-555-5555',
        phoneNumbers: ['555-555-5555', '555-555-4444'],
        employeeNumber: '701984',
        costCenter: '4130',
        organization: 'Universal Studios',
        division: 'Theme Park',
        department: 'Tour Operations',
        manager: '26118915-6090-4610-87e4-49d8ca9f808d',
        managerDisplayName: 'John Smith',
        groups: ['Tour Guides', 'Employees'],
        meta: {
          resourceType: 'User',
          created: '2010-01-23T04:56:22Z',
          lastModified: '2011-05-13T04:42:34Z',
          version: 'W/"3694e05e9dff591"',
        },
      },
    });
  });

  it('reads a minimal user: no undefined keys, empty lists, and no primary email → the first one', () => {
    const result = flattenScimUser({
      id: 'u1',
      emails: [{ value: 'a@x.example' }, { value: 'b@x.example' }],
    });
    expect(result).toEqual({
      ok: true,
      record: {
        id: 'u1',
        name: {},
        email: 'a@x.example',
        emails: ['a@x.example', 'b@x.example'],
        phoneNumbers: [],
        groups: [],
        meta: {},
      },
    });
  });

  it('accepts "True"/"false" strings for active (some directories send them) and a bare manager id', () => {
    const result = flattenScimUser({
      id: 'u2',
      active: 'False',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: 'boss-1' },
    });
    expect(result.ok && result.record).toMatchObject({ active: false, manager: 'boss-1' });
  });

  it('reports a resource it cannot use by path and rule, without its values', () => {
    const result = flattenScimUser({ userName: 'secret.person@example.com', emails: 'not-a-list' });
    expect(result.ok).toBe(false);
    const message = !result.ok ? result.problem.message : '';
    expect(message).toMatch(/^not a usable SCIM User \(id: .+; emails: .+\)$/);
    expect(message).not.toContain('secret.person');
    expect(message).not.toContain('not-a-list');
  });
});
