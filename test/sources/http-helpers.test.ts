import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../src/sources/csv/detect-delimiter.ts';
import { readDottedPath } from '../../src/sources/http/dotted-path.ts';
import { nextLink } from '../../src/sources/http/link-header.ts';
import { parseRetryAfter } from '../../src/sources/http/retry-after.ts';

describe('parseRetryAfter', () => {
  const now = new Date('2030-05-06T07:08:09Z');

  it('reads delta-seconds and HTTP-dates against the given clock', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 06 May 2030 07:08:39 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(['7', '9'], now)).toBe(7000);
  });

  it('treats a past date as now and unreadable values as absent', () => {
    expect(parseRetryAfter('Mon, 06 May 2030 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('nextLink', () => {
  const base = new URL('https://api.example.com/v1/users?page=2');

  it('finds rel="next" among other relations, quoted or not, relative or absolute', () => {
    expect(
      nextLink(
        '<https://api.example.com/v1/users?page=3>; rel="next", <https://api.example.com/v1/users?page=9>; rel="last"',
        base,
      )?.href,
    ).toBe('https://api.example.com/v1/users?page=3');
    expect(nextLink('</v1/users?page=1>; rel=prev, </v1/users?page=3>; rel=next', base)?.href).toBe(
      'https://api.example.com/v1/users?page=3',
    );
    expect(nextLink('<?after=abc>; title="x"; rel="next prefetch"', base)?.href).toBe(
      'https://api.example.com/v1/users?after=abc',
    );
  });

  it('is undefined on the last page', () => {
    expect(nextLink('<https://api.example.com/v1/users?page=1>; rel="first"', base)).toBeUndefined();
    expect(nextLink(undefined, base)).toBeUndefined();
  });
});

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
