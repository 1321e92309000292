import { describe, expect, it } from 'vitest';
import { diffMetadata, diffPaths, jsonEqual } from '../../src/sync/diff.ts';
import { compareVersions } from '../../src/sync/versions.ts';

describe('compareVersions', () => {
  it('compares counters numerically, not as text', () => {
    expect(compareVersions('9', '10')).toBe(-1);
    expect(compareVersions('10', '9')).toBe(1);
    expect(compareVersions('1.5', '1.25')).toBe(1);
  });

  it('compares timestamps by instant, whatever the offset notation', () => {
    expect(compareVersions('2026-10-01T09:00:00Z', '2026-10-01T11:00:00+02:00')).toBe(0);
    expect(compareVersions('2026-10-01T09:00:00Z', '2026-10-01T09:00:01Z')).toBe(-1);
    expect(compareVersions('2026-10-02', '2026-10-01T23:00:00Z')).toBe(1);
  });

  it('falls back to text order for anything else', () => {
    expect(compareVersions('v-a', 'v-b')).toBe(-1);
    expect(compareVersions('same', 'same')).toBe(0);
  });
});

describe('field diff', () => {
  it('treats undefined properties as absent and ignores key order', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });

  it('reports leaf paths inside objects and whole arrays', () => {
    const out: string[][] = [];
    diffPaths(
      { name: { first: 'A', last: 'B' }, tags: [1] },
      { name: { first: 'A', last: 'C' }, tags: [1, 2], x: 1 },
      ['traits'],
      out,
    );
    expect(out).toEqual([
      ['traits', 'name', 'last'],
      ['traits', 'tags'],
      ['traits', 'x'],
    ]);
  });

  it('treats null, missing and empty metadata as equal', () => {
    for (const [a, b] of [
      [null, {}],
      [undefined, null],
      [{}, { x: undefined }],
    ] as const) {
      const out: string[][] = [];
      diffMetadata(a, b, 'metadata_public', out);
      expect(out).toEqual([]);
    }
    const out: string[][] = [];
    diffMetadata({ a: 1 }, null, 'metadata_public', out);
    expect(out).toEqual([['metadata_public']]);
  });
});
