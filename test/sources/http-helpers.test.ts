import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../src/sources/csv/detect-delimiter.ts';
import { readDottedPath } from '../../src/sources/http/dotted-path.ts';

describe('readDottedPath', () => {
  it('walks own properties only', () => {
    const body = { data: { employees: [1] }, paging: { next: { after: 'c2' } } };
    expect(readDottedPath(body, '')).toBe(body);
    expect(readDottedPath(body, 'data.employees')).toEqual([1]);
    expect(readDottedPath(body, 'paging.next.after')).toBe('c2');
    expect(readDottedPath(body, 'paging.prev.after')).toBeUndefined();
    expect(readDottedPath(body, 'data.constructor')).toBeUndefined();
  });
});

describe('detectDelimiter', () => {
  it('counts delimiters outside quotes on the header line only', () => {
    expect(detectDelimiter('"a;b";"c;d",e,f\n1;2;3;4;5;6;7')).toBe(',');
    expect(detectDelimiter('\n\n  a;b;c\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc,d\n')).toBe('\t');
    expect(detectDelimiter('single\n')).toBe(',');
    expect(detectDelimiter('\uFEFFa|b|c')).toBe('|');
  });
});
