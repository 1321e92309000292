import { describe, expect, it } from 'vitest';
import { parseJsonArrayItems } from '../../src/kratos/json-array-items.ts';

const parse = (text: string) => parseJsonArrayItems(Buffer.from(text, 'utf8'));

describe('parseJsonArrayItems (list pages parsed item by item)', () => {
  it('gives what JSON.parse gives for an array of objects with separators inside strings and nested arrays', () => {
    const items = [
      {
        id: 'a',
        traits: { note: 'ends with },{ and "quotes" and a backslash \\' },
        tags: [{ x: 1 }, { y: [2, 3] }],
      },
      {
        id: 'b',
        traits: { name: 'Zoë 😀 Ünal' },
        verifiable_addresses: [{ id: 'v1' }, { id: 'v2' }, { id: 'v3' }],
      },
      { id: 'c', traits: { weird: '\\"},{"id":"d"}' }, metadata_admin: null },
    ];
    const text = JSON.stringify(items);
    expect(parse(text)).toEqual(JSON.parse(text));
    expect(parse(` \n${text}\n `)).toEqual(items);
  });

  it('parses an empty array and a single item', () => {
    expect(parse('[]')).toEqual([]);
    expect(parse('[{"id":"only"}]')).toEqual([{ id: 'only' }]);
  });

  it('returns null (the caller parses the body whole and fails as before) for anything else', () => {
    for (const body of [
      '',
      '{"error":{"code":500}}',
      '[1,2,3]',
      '[ {"id":"a"}, {"id":"b"} ]', // spaces between items: not cut here, parsed whole by the caller
      '[{"id":"a"},{"id":"b"}', // truncated
      '[{"id":"a"},{"id":"b}]', // a string never closed
      '[{"id":"a"}],[{"id":"b"}]',
    ]) {
      expect(parse(body), body).toBeNull();
    }
  });

  it('returns null for one malformed item among many (the caller then parses the page whole)', () => {
    const many = Array.from({ length: 200 }, (_, n) => `{"id":"${n}","a":[{"x":1},{"y":2}]}`);
    many[3] = '{"id":"3","a":[{"x":1},{"y":2}]'; // one item missing its closing brace
    expect(parse(`[${many.join(',')}]`)).toBeNull();
  });
});
