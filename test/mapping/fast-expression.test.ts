import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { compileExpression, toPlainJson } from '../../src/mapping/expression.ts';
import { BAIL, compileFast, type AstNode } from '../../src/mapping/fast-expression.ts';

/** Expressions of the shapes mappings use, over fields a..d (plus nested `o.x`). */
const EXPRESSIONS = [
  'a',
  'o.x',
  'o.x.y',
  '"default"',
  '42',
  'true',
  'null',
  '{ "email": $lowercase(a), "name": { "first": b, "last": c } }',
  '{ "x": a, "y": o.x, "z": "k" }',
  'a = "terminated"',
  'a != "contractor"',
  'a = b',
  'a < b',
  'a >= 3',
  'a = "x" ? "inactive" : "active"',
  'a ? b : c',
  'a ? b',
  'a and b',
  'a or b',
  '"hr-" & a',
  'a & " " & b',
  '$uppercase(a)',
  '$trim(a)',
  '$string(a)',
  '$exists(a)',
  '$not(a)',
  '(a)',
  '$lowercase($trim(a)) & "@" & b',
];

const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', ' ', 'x', 'terminated', 'contractor', '  Mixed  Case\t', 'ÄÖ', '3'),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('x', 'y'), scalar) },
);
const record = fc.record(
  {
    a: value,
    b: value,
    c: value,
    d: value,
    o: fc.oneof(value, fc.record({ x: fc.oneof(value, fc.record({ y: value })) })),
  },
  { requiredKeys: [] },
);

async function outcome(run: () => unknown): Promise<{ value?: unknown; error?: boolean }> {
  try {
    return { value: await run() };
  } catch {
    return { error: true };
  }
}

describe('the fast path agrees with JSONata', () => {
  it('compiles every listed shape (so records really skip JSONata)', () => {
    for (const text of EXPRESSIONS) {
      expect(compileFast(jsonata(text).ast() as AstNode), text).not.toBeNull();
    }
  });

  it('does not compile shapes it does not model', () => {
    for (const text of [
      'a[0]',
      'a.b[x = 1]',
      '$sum(a)',
      'a + b',
      '[a, b]',
      '$$.a',
      'a ~> $lowercase',
      '$x := 1',
      '{ a: b }',
    ]) {
      expect(compileFast(jsonata(text).ast() as AstNode), text).toBeNull();
    }
  });

  it('gives the same value — or the same failure — as JSONata for random records', async () => {
    const compiled = EXPRESSIONS.map((text) => ({
      text,
      fast: compileExpression('test', text),
      slow: jsonata(text),
    }));
    await fc.assert(
      fc.asyncProperty(record, async (rec) => {
        for (const { text, fast, slow } of compiled) {
          const expected = await outcome(async () => toPlainJson(await slow.evaluate(rec)));
          const actual = await outcome(() => fast.evaluate(rec));
          expect(actual, `${text} on ${JSON.stringify(rec)}`).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('answers synchronously for plain scalar records', async () => {
    const fast = compileExpression('test', '{ "email": $lowercase(a), "name": { "first": b, "last": c } }');
    expect(fast.evaluate({ a: 'A@X.COM', b: 'Ada', c: 'L' })).toEqual({
      email: 'a@x.com',
      name: { first: 'Ada', last: 'L' },
    });
    const viaJsonata = fast.evaluate({ a: 'x', b: ['Ada'], c: 'L' }); // arrays go to JSONata
    expect(viaJsonata).toBeInstanceOf(Promise);
    await expect(viaJsonata).resolves.toEqual({ email: 'x', name: { first: ['Ada'], last: 'L' } });
    const failing = fast.evaluate({ a: ['x', 'y'] });
    await expect(failing).rejects.toThrow(/T0410 at position \d+: Argument 1 of function "lowercase"/);
  });

  it('never resolves inherited properties of the record', async () => {
    const fast = compileFast(jsonata('constructor').ast() as AstNode)!;
    expect(fast({})).toBe(BAIL);
    expect(await compileExpression('test', 'constructor').evaluate({})).toEqual(
      toPlainJson(await jsonata('constructor').evaluate({})),
    );
  });
});
