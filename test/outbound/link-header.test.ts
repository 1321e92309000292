import { describe, expect, it } from 'vitest';
import { LinkHeaderError, nextLink } from '../../src/outbound/link-header.ts';

describe('nextLink (Kratos pages)', () => {
  it('finds rel="next" in the comma-joined v26 header', () => {
    const header =
      '</admin/identities?page_size=250&page_token=00000000-0000-0000-0000-000000000000>; rel="first",' +
      '</admin/identities?page_size=250&page_token=30f8507f-40e6-44b9-924f-5f814e3f072e>; rel="next"';
    expect(nextLink(header)).toBe(
      '/admin/identities?page_size=250&page_token=30f8507f-40e6-44b9-924f-5f814e3f072e',
    );
  });
  it('is undefined on the last page and without a header', () => {
    expect(nextLink('</admin/identities?page_size=250&page_token=0>; rel="first"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
  it('does not mistake rel="prev" or "last" for next', () => {
    expect(nextLink('</a?page=0>; rel="prev", </a?page=9>; rel="last", </a?page=2>; rel="next"')).toBe(
      '/a?page=2',
    );
  });
});

describe('nextLink (HTTP source pages, resolved against the page URL)', () => {
  const base = new URL('https://api.example.com/v1/users?page=2');
  const resolved = (header: string | undefined) => {
    const next = nextLink(header);
    return next === undefined ? undefined : new URL(next, base);
  };

  it('finds rel="next" among other relations, quoted or not, relative or absolute', () => {
    expect(
      resolved(
        '<https://api.example.com/v1/users?page=3>; rel="next", <https://api.example.com/v1/users?page=9>; rel="last"',
      )?.href,
    ).toBe('https://api.example.com/v1/users?page=3');
    expect(resolved('</v1/users?page=1>; rel=prev, </v1/users?page=3>; rel=next')?.href).toBe(
      'https://api.example.com/v1/users?page=3',
    );
    expect(resolved('<?after=abc>; title="x"; rel="next prefetch"')?.href).toBe(
      'https://api.example.com/v1/users?after=abc',
    );
  });

  it('is undefined on the last page', () => {
    expect(resolved('<https://api.example.com/v1/users?page=1>; rel="first"')).toBeUndefined();
    expect(resolved(undefined)).toBeUndefined();
  });

  it('reads RFC 8288 details a hand-written pattern misses: a comma inside a quoted parameter, any case', () => {
    expect(nextLink('</p1>; rel="prev"; title="a, b", </p3>; REL="Next"')).toBe('/p3');
    expect(nextLink(['</p1>; rel="prev"', '</p3>; rel="next"'])).toBe('/p3');
  });
});

describe('nextLink: a header that is there but cannot be followed throws (never "last page")', () => {
  const TOKEN = 'tok-9f8e7d';
  it.each([
    [
      'does not parse',
      `<https://api.example.com/v1/users?page=3&token=${TOKEN}; rel="next"`,
      /does not parse/,
    ],
    ['does not parse', `https://api.example.com/v1/users?token=${TOKEN}; rel="next"`, /does not parse/],
    ['does not parse', `</p3?token=${TOKEN}>; rel="next", ${TOKEN}`, /does not parse/],
    ['has a link without rel', `</p1>; rel="first", </p3?token=${TOKEN}>`, /link 2 has no rel/],
    ['has a link with an empty rel', `</p3?token=${TOKEN}>; rel=""`, /link 1 has no rel/],
    ['has a next target that is no URL', `<http://[${TOKEN}/p3>; rel="next"`, /not a valid URL/],
    [
      'has a next target that is not http(s)',
      `<javascript:${TOKEN}>; rel="next"`,
      /not an http or https URL/,
    ],
    ['has an empty next target', '<>; rel="next"', /target is empty/],
  ])('%s: %s', (_what, header, why) => {
    let thrown: unknown;
    try {
      nextLink(header);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LinkHeaderError);
    expect((thrown as Error).message).toMatch(why);
    expect((thrown as Error).message).not.toContain(TOKEN);
  });

  it('reads an empty or blank header as no links (the last page)', () => {
    expect(nextLink('')).toBeUndefined();
    expect(nextLink('  ')).toBeUndefined();
    expect(nextLink([])).toBeUndefined();
  });
});
