import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/scim/canonical.ts';
import { compileFilter } from '../../src/scim/filter.ts';
import { GROUP_KIND, USER_KIND } from '../../src/scim/resource-kinds.ts';
import { ScimError } from '../../src/scim/scim-error.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const text = fc.string({ minLength: 0, maxLength: 12 });
const instant = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2040-01-01T00:00:00Z'),
  noInvalidDate: true,
});

const user = fc
  .record({
    id: fc.uuid(),
    userName: text,
    active: fc.boolean(),
    title: fc.option(text, { nil: undefined }),
    emails: fc.array(fc.record({ value: text, type: fc.constantFrom('work', 'home') }), { maxLength: 3 }),
    meta: fc.record({
      created: instant.map((d) => d.toISOString()),
      lastModified: instant.map((d) => d.toISOString()),
    }),
    [ENTERPRISE]: fc.record({ department: text }),
  })
  .map((u) => JSON.parse(JSON.stringify(u)) as JsonRecord);

/** A leaf filter with its meaning computed independently of the implementation. */
const leaf = fc.oneof(
  text.map((v) => ({
    text: `userName eq ${JSON.stringify(v)}`,
    holds: (r: JsonRecord) => String(r.userName).toLowerCase() === v.toLowerCase(),
  })),
  text.map((v) => ({
    text: `emails.value co ${JSON.stringify(v)}`,
    holds: (r: JsonRecord) =>
      (r.emails as Array<{ value: string }>).some((e) => e.value.toLowerCase().includes(v.toLowerCase())),
  })),
  fc.boolean().map((b) => ({ text: `active eq ${b}`, holds: (r: JsonRecord) => r.active === b })),
  fc.constant({ text: 'title pr', holds: (r: JsonRecord) => typeof r.title === 'string' && r.title !== '' }),
  text.map((v) => ({
    text: `emails[type eq "work" and value sw ${JSON.stringify(v)}]`,
    holds: (r: JsonRecord) =>
      (r.emails as Array<{ value: string; type: string }>).some(
        (e) => e.type === 'work' && e.value.toLowerCase().startsWith(v.toLowerCase()),
      ),
  })),
  text.map((v) => ({
    text: `emails[type eq "home"].value ew ${JSON.stringify(v)}`,
    holds: (r: JsonRecord) =>
      (r.emails as Array<{ value: string; type: string }>).some(
        (e) => e.type === 'home' && e.value.toLowerCase().endsWith(v.toLowerCase()),
      ),
  })),
  instant.map((d) => ({
    text: `meta.lastModified gt ${JSON.stringify(d.toISOString().replace('.000Z', 'Z'))}`,
    holds: (r: JsonRecord) => Date.parse(String((r.meta as JsonRecord).lastModified)) > d.getTime(),
  })),
  text.map((v) => ({
    text: `${ENTERPRISE}:department ew ${JSON.stringify(v)}`,
    holds: (r: JsonRecord) =>
      String((r[ENTERPRISE] as JsonRecord).department)
        .toLowerCase()
        .endsWith(v.toLowerCase()),
  })),
);

type Built = { text: string; holds: (r: JsonRecord) => boolean };
const filterTree: fc.Arbitrary<Built> = fc.letrec<{ node: Built }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => ({
      text: `(${a.text}) and (${b.text})`,
      holds: (r: JsonRecord) => a.holds(r) && b.holds(r),
    })),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => ({
      text: `(${a.text}) or (${b.text})`,
      holds: (r: JsonRecord) => a.holds(r) || b.holds(r),
    })),
    tie('node').map((a) => ({ text: `not (${a.text})`, holds: (r: JsonRecord) => !a.holds(r) })),
  ),
})).node;

/** Each letter of the attribute names in random case: names match without regard to case. */
function randomCase(filter: string, flips: boolean[]): string {
  let i = 0;
  return filter.replace(
    /\b(userName|emails|value|type|active|title|lastModified|meta|department)\b/g,
    (name) => [...name].map((c) => (flips[i++ % flips.length] ? c.toUpperCase() : c.toLowerCase())).join(''),
  );
}

describe('SCIM filters (property tests)', () => {
  it('evaluate and/or/not, value filters, co/sw/ew, pr and dates as RFC 7644 §3.4.2.2 defines them', () => {
    fc.assert(
      fc.property(filterTree, fc.array(user, { minLength: 1, maxLength: 5 }), (filter, users) => {
        const predicate = compileFilter(USER_KIND, filter.text);
        for (const r of users) expect(predicate(r)).toBe(filter.holds(r));
      }),
      { numRuns: 300 },
    );
  });

  it('match attribute names and operators without regard to case', () => {
    fc.assert(
      fc.property(
        filterTree,
        user,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (filter, r, flips) => {
          const shouted = randomCase(filter.text, flips).replace(/ (eq|co|sw|ew|gt|pr|and|or) /g, (op) =>
            op.toUpperCase(),
          );
          expect(compileFilter(USER_KIND, shouted)(r)).toBe(filter.holds(r));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuse any malformed filter with 400 invalidFilter, never another error', () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        'userName eq',
        '((active eq true)',
        'userName eq "a" or',
        'active gt true',
        'name eq "x"',
        'title[value eq "a"]',
        'emails[type eq "work"',
      ),
      filterTree.map((f) => f.text.slice(0, Math.max(0, f.text.length - 2))),
    );
    fc.assert(
      fc.property(junk, (text) => {
        try {
          compileFilter(USER_KIND, text);
        } catch (err) {
          expect(err).toBeInstanceOf(ScimError);
          expect((err as ScimError).status).toBe(400);
          expect((err as ScimError).scimType).toBe('invalidFilter');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('read a value path with a sub-attribute as one element (emails[type eq "home"].value ew …)', () => {
    const r = {
      emails: [
        { type: 'home', value: 'a@home.example' },
        { type: 'work', value: 'b@work.example' },
      ],
    };
    expect(compileFilter(USER_KIND, 'emails[type eq "home"].value ew "@work.example"')(r)).toBe(false);
    expect(compileFilter(USER_KIND, 'emails[type eq "home"].value ew "@home.example"')(r)).toBe(true);
    expect(
      compileFilter(
        USER_KIND,
        'emails[type eq "work"].value pr and not (emails[type eq "other"].value pr)',
      )(r),
    ).toBe(true);
    // Written as two conditions, they may hold for different addresses.
    expect(compileFilter(USER_KIND, 'emails[type eq "home"] and emails.value ew "@work.example"')(r)).toBe(
      true,
    );
  });

  it('compare ids exactly and displayNames without case', () => {
    const group = { id: 'AbC', displayName: 'Sales Team', members: [{ value: 'U1' }] };
    expect(compileFilter(GROUP_KIND, 'id eq "abc"')(group)).toBe(false);
    expect(compileFilter(GROUP_KIND, 'id eq "AbC"')(group)).toBe(true);
    expect(compileFilter(GROUP_KIND, 'displayName eq "sales team"')(group)).toBe(true);
    expect(compileFilter(GROUP_KIND, 'members[value eq "u1"]')(group)).toBe(false);
    expect(compileFilter(GROUP_KIND, 'members.value eq "U1"')(group)).toBe(true);
  });
});
