import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, SyncError } from '../../src/errors/catalogue.ts';
import { errorCatalogueTable } from '../../src/errors/catalogue-table.ts';

describe('error catalogue', () => {
  it('is documented in the README exactly as the code defines it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(errorCatalogueTable());
  });

  it('derives the retry class from the code', () => {
    const err = new SyncError('SYNC_ERR_RECORD_INVALID', 'E1032: traits.email is not a valid email');
    expect(err.retry).toBe('permanent');
    expect(err.name).toBe('SyncError');
    expect(new SyncError('SYNC_ERR_KRATOS_UNAVAILABLE', 'x').retry).toBe('transient');
    for (const entry of Object.values(ERROR_CATALOGUE)) {
      expect(['transient', 'conflict', 'not-found', 'permanent']).toContain(entry.retry);
    }
  });
});
