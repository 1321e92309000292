import { describe, expect, it } from 'vitest';
import { markerOf, readMarker, withMarker, withoutMarker } from '../../src/domain/ownership-marker.ts';

describe('ownership marker', () => {
  it("reads this source's marker and nobody else's", () => {
    const identity = { metadata_admin: { kratos_sync: { source: 'hr', key: 'E1', version: '3' }, other: 1 } };
    expect(markerOf(identity, 'hr')).toEqual({ source: 'hr', key: 'E1', version: '3' });
    expect(markerOf(identity, 'crm')).toBeNull();
    expect(readMarker(identity)).toEqual({ source: 'hr', key: 'E1', version: '3' });
  });

  it('does not accept a malformed marker as ownership', () => {
    for (const value of [
      null,
      'hr',
      [],
      { source: 'hr' },
      { key: 'E1' },
      { source: '', key: 'E1' },
      { source: 'hr', key: 1 },
    ]) {
      expect(readMarker({ metadata_admin: { kratos_sync: value } })).toBeNull();
    }
    expect(readMarker({ metadata_admin: null })).toBeNull();
    expect(readMarker({})).toBeNull();
  });

  it('ignores marker fields of the wrong type instead of trusting them', () => {
    const marker = readMarker({
      metadata_admin: { kratos_sync: { source: 'hr', key: 'E1', version: 3, deactivated_at: {} } },
    });
    expect(marker).toEqual({ source: 'hr', key: 'E1' });
  });

  it('sets the marker without changing the input, and strips it again', () => {
    const metadata = { manager: 'm' };
    const marked = withMarker(metadata, { source: 'hr', key: 'E1' });
    expect(marked).toEqual({ manager: 'm', kratos_sync: { source: 'hr', key: 'E1' } });
    expect(metadata).toEqual({ manager: 'm' });
    expect(withMarker(null, { source: 'hr', key: 'E1', deactivated_at: undefined })).toEqual({
      kratos_sync: { source: 'hr', key: 'E1' },
    });
    expect(withoutMarker(marked)).toEqual({ manager: 'm' });
    expect(withoutMarker(null)).toBeNull();
  });
});
