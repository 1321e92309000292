import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCsvLookup } from '../../src/sources/csv/csv-lookup.ts';
import { createCsvSource } from '../../src/sources/csv/csv-source.ts';
import { findByScan } from '../../src/sources/find-by-scan.ts';
import { SourceError, type SourceRecord } from '../../src/sources/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-csv-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyOf = (record: SourceRecord) => (typeof record.id === 'string' ? record.id : undefined);
let fileCount = 0;

/** A lookup over a real CSV file, counting how often the whole file was read. */
function lookupOver(text: string, options: { racyMs?: number } = {}) {
  const file = path.join(dir, `export-${++fileCount}.csv`);
  writeFileSync(file, text);
  const source = createCsvSource({
    name: 'hr',
    connection: { type: 'csv', path: file, columns: {} },
    baseDir: dir,
    keyOf,
  });
  const reads = { count: 0 };
  const lookup = createCsvLookup({
    path: file,
    read: () => {
      reads.count++;
      return source.stream();
    },
    scan: (key, signal) => findByScan(source.stream(signal), keyOf, key),
    keyOf,
    ...options,
  });
  const scan = (key: string) => findByScan(source.stream(), keyOf, key);
  return { file, lookup, scan, reads };
}

const outcome = async (promise: Promise<SourceRecord | null>) =>
  promise.then(
    (record) => ({ record }),
    (err: unknown) => ({ error: err instanceof SourceError ? err.message : String(err) }),
  );

describe('CSV fetchOne through the key index', () => {
  it('answers repeated and concurrent lookups from one read while the file is unchanged', async () => {
    const { lookup, reads } = lookupOver('id,name\nE1,Ann\nE2,Bob\nE3,Cy\n', { racyMs: 0 });
    const first = await Promise.all([lookup('E1'), lookup('E2'), lookup('E9')]);
    expect(first).toEqual([{ id: 'E1', name: 'Ann' }, { id: 'E2', name: 'Bob' }, null]);
    expect(await lookup('E3')).toEqual({ id: 'E3', name: 'Cy' });
    expect(reads.count).toBe(1);
  });

  it('reads the file again once it changed, and sees the new values and the removed people', async () => {
    const { file, lookup, reads } = lookupOver('id,name\nE1,Ann\nE2,Bob\n', { racyMs: 0 });
    expect(await lookup('E2')).toEqual({ id: 'E2', name: 'Bob' });
    writeFileSync(file, 'id,name\nE1,Annette\n');
    expect(await lookup('E1')).toEqual({ id: 'E1', name: 'Annette' });
    expect(await lookup('E2')).toBeNull();
    expect(reads.count).toBe(2);
  });

  it('does not keep the index of a file changed moments ago (file times are coarse)', async () => {
    const { lookup, reads } = lookupOver('id,name\nE1,Ann\n');
    expect(await lookup('E1')).toEqual({ id: 'E1', name: 'Ann' });
    expect(await lookup('E1')).toEqual({ id: 'E1', name: 'Ann' });
    expect(reads.count).toBe(2);
  });

  it('gives the same answers as a scan around bad rows: found, doubtful (first doubt in file order), absent', async () => {
    const text = [
      'id,name',
      'E1,Ann',
      'E2,Bob,extra', // a bad row with key E2
      ',Nobody,extra', // a bad row without a key: doubt for any key not found
      'E2,Bob',
      'E3,Cy,extra',
      'E4,Dee',
    ].join('\n');
    const { lookup, scan } = lookupOver(text, { racyMs: 0 });
    for (const key of ['E1', 'E2', 'E3', 'E4', 'E5']) {
      const viaIndex = await outcome(lookup(key));
      expect(viaIndex, key).toEqual(await outcome(scan(key)));
    }
    expect(await outcome(lookup('E3'))).toMatchObject({
      error: expect.stringContaining('no readable record has key "E3"'),
    });
    expect(await lookup('E2')).toEqual({ id: 'E2', name: 'Bob' });
  });

  it('a truncated file (a quote never closed) still yields a person found before the break, as a scan does', async () => {
    const { lookup, scan } = lookupOver('id,name\nE1,Ann\nE2,"Bob\nE3,Cy\n', { racyMs: 0 });
    expect(await lookup('E1')).toEqual({ id: 'E1', name: 'Ann' });
    const missing = await outcome(lookup('E9'));
    expect(missing).toEqual(await outcome(scan('E9')));
    expect(missing).toMatchObject({ error: expect.stringContaining('never closed') });
  });

  it('hands out records that cannot be changed by one job for the next', async () => {
    const { lookup } = lookupOver('id,name\nE1,Ann\n', { racyMs: 0 });
    const record = (await lookup('E1'))!;
    expect(() => {
      record.name = 'changed';
    }).toThrow(TypeError);
    expect(await lookup('E1')).toEqual({ id: 'E1', name: 'Ann' });
  });
});
