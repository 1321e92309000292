import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/scim/canonical.ts';
import { applyPatch, readPatchRequest } from '../../src/scim/patch.ts';
import { USER_KIND } from '../../src/scim/resource-kinds.ts';
import { prepareResource } from '../../src/scim/resources.ts';
import { ScimError } from '../../src/scim/scim-error.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const word = fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== '');
const user = fc
  .record({
    userName: word,
    active: fc.boolean(),
    name: fc.record({ givenName: word, familyName: word }),
    title: word,
    emails: fc.uniqueArray(fc.record({ value: word, type: fc.constantFrom('work', 'home', 'other') }), {
      maxLength: 3,
      selector: (e) => e.type,
    }),
    [ENTERPRISE]: fc.record({ department: word, employeeNumber: word }),
  })
  .map((u) => prepareResource(USER_KIND, JSON.parse(JSON.stringify(u))));

function patch(resource: JsonRecord, operations: unknown[]): JsonRecord {
  const ops = readPatchRequest(USER_KIND, { schemas: [PATCH_OP], Operations: operations });
  return prepareResource(USER_KIND, applyPatch(resource, ops));
}

/** The spellings directories use for an op. */
const opCase = (op: string) => fc.constantFrom(op, op[0]!.toUpperCase() + op.slice(1), op.toUpperCase());

describe('SCIM PATCH (property tests)', () => {
  it('reads ops in any case and booleans sent as strings ("False") the same as the RFC form', () => {
    fc.assert(
      fc.property(user, opCase('replace'), fc.boolean(), fc.boolean(), (u, op, active, asString) => {
        const value = asString ? (active ? 'True' : 'False') : active;
        const viaPath = patch(u, [{ op, path: 'active', value }]);
        const noPath = patch(u, [{ op: 'replace', value: { active } }]);
        expect(viaPath.active).toBe(active);
        expect(viaPath).toEqual(noPath);
      }),
      { numRuns: 200 },
    );
  });

  it('replaces a sub-attribute without losing its siblings, with or without a path, in any case', () => {
    fc.assert(
      fc.property(
        user,
        word,
        fc.constantFrom('name.givenName', 'Name.GivenName', 'NAME.givenname'),
        (u, given, path) => {
          const expected = { ...(u.name as JsonRecord), givenName: given };
          expect(patch(u, [{ op: 'Replace', path, value: given }]).name).toEqual(expected);
          expect(patch(u, [{ op: 'replace', value: { 'name.givenName': given } }]).name).toEqual(expected);
          expect(patch(u, [{ op: 'replace', value: { name: { givenName: given } } }]).name).toEqual(expected);
          expect(patch(u, [{ op: 'replace', path: 'name', value: { givenName: given } }]).name).toEqual(
            expected,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('adds an email with a value-path target and removes it by value filter, back to the start', () => {
    fc.assert(
      fc.property(user, word, (u, address) => {
        const hasHome = (u.emails as JsonRecord[] | undefined)?.some((e) => e.type === 'home');
        fc.pre(!hasHome);
        const added = patch(u, [{ op: 'Add', path: 'emails[type eq "home"].value', value: address }]);
        expect(added.emails).toContainEqual({ type: 'home', value: address });
        const removed = patch(added, [{ op: 'remove', path: 'emails[type eq "home"]' }]);
        expect(removed.emails ?? []).toEqual(u.emails ?? []);
      }),
      { numRuns: 150 },
    );
  });

  it('writes enterprise attributes by URN path or URN-keyed value, and a manager given as a bare id', () => {
    fc.assert(
      fc.property(user, word, word, (u, department, manager) => {
        const byPath = patch(u, [
          { op: 'Replace', path: `${ENTERPRISE}:department`, value: department },
          { op: 'Add', path: `${ENTERPRISE}:manager`, value: manager },
        ]);
        const byValue = patch(u, [
          {
            op: 'replace',
            value: {
              [`${ENTERPRISE}:department`]: department,
              [ENTERPRISE]: { manager: { value: manager } },
            },
          },
        ]);
        expect(byPath[ENTERPRISE]).toEqual({
          ...(u[ENTERPRISE] as JsonRecord),
          department,
          manager: { value: manager },
        });
        expect(byValue).toEqual(byPath);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any malformed operation with a 400/413 ScimError, never another error', () => {
    const path = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        'emails[type eq',
        'emails[type eq "work"].',
        'name..givenName',
        'a b',
        'emails[]',
        '[x]',
        'name.givenName.x',
        'urn:x:y',
      ),
    );
    const json = fc.jsonValue({ maxDepth: 2 });
    const operation = fc.oneof(
      fc.record({
        op: fc.oneof(fc.constantFrom('add', 'Replace', 'remove', 'move', ''), fc.string()),
        path: fc.option(path, { nil: undefined }),
        value: fc.option(json, { nil: undefined }),
      }),
      json,
    );
    fc.assert(
      fc.property(user, fc.array(operation, { maxLength: 4 }), (u, operations) => {
        try {
          patch(u, operations);
        } catch (err) {
          expect(err).toBeInstanceOf(ScimError);
          expect([400, 413]).toContain((err as ScimError).status);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("keeps a directory's own extension and lists it in schemas", () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User';
    const u = prepareResource(USER_KIND, { userName: 'x', [custom]: { costCode: '42' } });
    expect(u.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', custom]);
    const patched = patch(u, [{ op: 'replace', path: `${custom}:costCode`, value: '43' }]);
    expect(patched[custom]).toEqual({ costCode: '43' });
    expect(patched.schemas).toEqual(u.schemas);
    const noPath = patch(u, [{ op: 'replace', value: { [custom]: { region: 'EU' } } }]);
    expect(noPath[custom]).toEqual({ costCode: '42', region: 'EU' });
    const flat = patch(u, [{ op: 'add', value: { [`${custom}:region`]: 'US' } }]);
    expect(flat[custom]).toEqual({ costCode: '42', region: 'US' });
  });

  it('refuses a remove without a path (noTarget) and a broken value filter (invalidPath)', () => {
    const u = prepareResource(USER_KIND, { userName: 'x' });
    expect(() => patch(u, [{ op: 'remove' }])).toThrow(expect.objectContaining({ scimType: 'noTarget' }));
    expect(() => patch(u, [{ op: 'replace', path: 'emails[type eq "work"', value: 'a' }])).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
    expect(() => patch(u, [{ op: 'replace', path: 'active', value: 'maybe' }])).toThrow(
      expect.objectContaining({ scimType: 'invalidValue', message: 'active: expected a boolean' }),
    );
  });
});
