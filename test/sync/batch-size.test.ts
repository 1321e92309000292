import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../../src/kratos/detect.ts';
import { batchSizeFor } from '../../src/sync/apply-deps.ts';

describe('batchSizeFor (kratos.batchSize against what the server accepts)', () => {
  it('defaults to the server limit: 2000 before v25.4, 1000 from v25.4', () => {
    expect(batchSizeFor(undefined, capabilitiesFor('v1'))).toBe(2000);
    expect(batchSizeFor(undefined, capabilitiesFor('v1.0'))).toBe(2000);
    expect(batchSizeFor(undefined, capabilitiesFor('v26'))).toBe(1000);
  });

  it('lowers a configured size the server would refuse, keeps a smaller one', () => {
    expect(batchSizeFor(2000, capabilitiesFor('v26'))).toBe(1000);
    expect(batchSizeFor(300, capabilitiesFor('v26'))).toBe(300);
    expect(batchSizeFor(1500, capabilitiesFor('v1'))).toBe(1500);
  });

  it('without batch create it only sets how many single creates are settled together', () => {
    expect(batchSizeFor(undefined, capabilitiesFor('v0.10'))).toBe(1000);
    expect(batchSizeFor(50, capabilitiesFor('v0.10'))).toBe(50);
  });
});
