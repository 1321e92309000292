import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsvConnection } from '../../src/config/sections/source.ts';
import { createCsvSource } from '../../src/sources/csv/csv-source.ts';
import { SourceError, sourceLine, sourceRowError, type SourceRecord } from '../../src/sources/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-csv-'));
const fixtures = path.join(import.meta.dirname, '../fixtures/sources');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeCsv(content: string | Buffer): string {
  const name = `export-${++fileCount}.csv`;
  writeFileSync(path.join(dir, name), content);
  return name;
}

function csvSource(file: string, connection: Partial<CsvConnection> = {}, keyField = 'id') {
  return createCsvSource({
    name: 'hr',
    connection: { type: 'csv', path: file, columns: {}, ...connection },
    baseDir: dir,
    keyOf: (record) => (typeof record[keyField] === 'string' ? (record[keyField] as string) : undefined),
  });
}

async function readAll(source: { stream(): AsyncIterable<SourceRecord> }): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of source.stream()) records.push(record);
  return records;
}

/** Records read until the stream throws, and what it threw. */
async function readUntilError(source: { stream(): AsyncIterable<SourceRecord> }) {
  const records: SourceRecord[] = [];
  try {
    for await (const record of source.stream()) records.push(record);
  } catch (err) {
    return { records, error: err };
  }
  throw new Error(`expected the stream to throw, it ended after ${records.length} records`);
}

describe('CSV source: real-world exports', () => {
  it('reads a BOM, ";" delimiter, CRLF, quoted newlines, escaped quotes, blank lines and padded headers', async () => {
    const text =
      '\uFEFF Employee ID ; Name ;Email \r\n' +
      'E1;"Ann\r\nMarie";ann@example.com\r\n' +
      '\r\n' +
      'E2;"Bob ""Bobby"" Jones";bob@example.com\r\n' +
      ';;\r\n' +
      'E3;Zoë;zoe@example.com';
    const records = await readAll(csvSource(writeCsv(text), { columns: { 'Employee ID': 'id' } }));

    expect(records).toEqual([
      { id: 'E1', Name: 'Ann\nMarie', Email: 'ann@example.com' },
      { id: 'E2', Name: 'Bob "Bobby" Jones', Email: 'bob@example.com' },
      { id: 'E3', Name: 'Zoë', Email: 'zoe@example.com' },
    ]);
    expect(records.map(sourceLine)).toEqual([2, 5, 7]);
  });

  it('reads the German HR fixture: renamed headers, ";" inside quotes, a short row quarantined in place', async () => {
    const source = createCsvSource({
      name: 'hr',
      connection: {
        type: 'csv',
        path: 'hr-export-semicolon.csv',
        columns: { Personalnummer: 'employeeId', 'E-Mail': 'email' },
      },
      baseDir: fixtures,
      keyOf: (record) => record.employeeId as string | undefined,
    });
    const records = await readAll(source);

    expect(records.map((r) => sourceRowError(r)?.rule ?? r.employeeId)).toEqual([
      '1001',
      '1002',
      '1003',
      'field-count',
      '1005',
    ]);
    expect(records[1]).toMatchObject({ Nachname: "D'Arcy", Abteilung: 'Vertrieb; Süd' });
    expect(records[2]).toMatchObject({ Nachname: 'Schmidt\ngeb. Weber', email: 'zoe.schmidt@example.com' });
    expect(records[4]).toMatchObject({ Vorname: 'Clara "CJ"', Status: 'ausgetreten' });
    expect(records.map(sourceLine)).toEqual([2, 3, 5, 7, 8]);
    expect(sourceRowError(records[3]!)).toEqual({
      rule: 'field-count',
      message: 'hr-export-semicolon.csv: line 7: expected 6 fields as in the header, found 5',
      key: '1004',
    });
  });

  it.each([
    [',', 'id,name,email\n1,"Doe, Jane",j@example.com\n'],
    [';', 'id;name;email\n1;"Doe; Jane";j@example.com\n'],
    ['\t', 'id\tname\temail\n1\tDoe, Jane\tj@example.com\n'],
    ['|', 'id|name|email\n1|Doe, Jane|j@example.com\n'],
  ])('detects the %j delimiter from the header line', async (_delimiter, text) => {
    const [record] = await readAll(csvSource(writeCsv(text)));
    expect(record).toEqual({
      id: '1',
      name: expect.stringMatching(/^Doe[,;] Jane$/),
      email: 'j@example.com',
    });
  });

  it('uses a configured delimiter instead of guessing', async () => {
    // The header alone suggests "," (two of them, no ";"), but the file is ";"-separated.
    const file = writeCsv('id;"name, full";"email, work"\n1;Jane;j@example.com\n');
    const records = await readAll(csvSource(file, { delimiter: ';' }));
    expect(records).toEqual([{ id: '1', 'name, full': 'Jane', 'email, work': 'j@example.com' }]);
  });

  it('keeps stray quotes inside unquoted fields as text (5\'10" is a value, not an error)', async () => {
    const records = await readAll(
      csvSource(writeCsv('id,height,email\n1,5\'10",a@example.com\n2,6\'1",b@example.com\n')),
    );
    expect(records.map((r) => r.height)).toEqual(['5\'10"', '6\'1"']);
  });

  it('drops the nameless column a trailing delimiter creates', async () => {
    const records = await readAll(csvSource(writeCsv('id,email,\n1,a@example.com,\n')));
    expect(records).toEqual([{ id: '1', email: 'a@example.com' }]);
  });

  it('decodes UTF-16LE exports by their byte-order mark and windows-1252 exports when configured', async () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('id\tname\r\n1\tRenée\r\n', 'utf16le'),
    ]);
    expect(await readAll(csvSource(writeCsv(utf16)))).toEqual([{ id: '1', name: 'Renée' }]);

    const cp1252 = Buffer.from([...Buffer.from('id;name\n1;Ren'), 0xe9, 0x80, 0x0a]);
    expect(await readAll(csvSource(writeCsv(cp1252), { encoding: 'windows-1252' }))).toEqual([
      { id: '1', name: 'René€' },
    ]);
  });

  it('keeps the reserved keys out of the fields: not enumerable, not in JSON', async () => {
    const [record] = await readAll(csvSource(writeCsv('id,email\n1,a@example.com\n')));
    expect(Object.keys(record!)).toEqual(['id', 'email']);
    expect(JSON.stringify(record)).toBe('{"id":"1","email":"a@example.com"}');
    expect(record!.__line).toBe(2);
  });
});

describe('CSV source: bad rows', () => {
  it('yields a row with the wrong field count as a bad row in place; every good row still comes through', async () => {
    const text = [
      'id,name,email',
      '1,Ann,ann@example.com',
      '2,Bob,Builder,bob@example.com', // unquoted comma: one field too many
      '3,Cy,cy@example.com',
      'Dee,dee@example.com', // key column missing: the key cannot be trusted, but "Dee" is what is there
      '"5","Eve',
      'Lyn",eve@example.com', // a quoted newline spanning lines 7-8, three fields: a good record
      '6,Fay',
    ].join('\n');
    const records = await readAll(csvSource(writeCsv(text)));

    const good = records.filter((r) => sourceRowError(r) === undefined);
    expect(good.map((r) => r.id)).toEqual(['1', '3', '5']);
    expect(good.map(sourceLine)).toEqual([2, 4, 6]);
    const bad = records.filter((r) => sourceRowError(r) !== undefined);
    expect(bad.map((r) => [sourceLine(r), sourceRowError(r)?.key, Object.keys(r).length])).toEqual([
      [3, '2', 0],
      [5, 'Dee', 0],
      [8, '6', 0],
    ]);
    expect(sourceRowError(bad[0]!)?.message).toBe(
      'export-' + fileCount + '.csv: line 3: expected 3 fields as in the header, found 4',
    );
    // Order is the file's order, so quarantine reports read like the file.
    expect(records.map(sourceLine)).toEqual([2, 3, 4, 5, 6, 8]);
  });

  it('names both lines of a bad multi-line row and never puts field values in the message', async () => {
    const records = await readAll(csvSource(writeCsv('id,name\n1,"secret\nvalue",extra\n2,ok\n')));
    const problem = sourceRowError(records[0]!);
    expect(problem?.message).toMatch(/lines 2-3: expected 2 fields as in the header, found 3$/);
    expect(problem?.message).not.toContain('secret');
    expect(records[1]).toEqual({ id: '2', name: 'ok' });
  });
});

describe('CSV source: snapshots that cannot be complete throw SourceError', () => {
  it('throws when the file ends inside a quoted field, after yielding the rows before it', async () => {
    const { records, error } = await readUntilError(
      csvSource(writeCsv('id,name\n1,Ann\n2,Bob\n3,"Cy\n4,Dee\n')),
    );
    expect(records.map((r) => r.id)).toEqual(['1', '2']);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toMatch(
      /opened after line 3 is never closed.*truncated or has a stray quote/,
    );
  });

  it('throws a transient SourceError for a missing file', async () => {
    const { records, error } = await readUntilError(csvSource('does-not-exist.csv'));
    expect(records).toEqual([]);
    expect(error).toMatchObject({ name: 'SourceError', transient: true });
    expect((error as Error).message).toBe('does-not-exist.csv: cannot read the export (no such file)');
  });

  it('throws for an empty file but not for a header without rows', async () => {
    const { error } = await readUntilError(csvSource(writeCsv('')));
    expect((error as Error).message).toMatch(/the export is empty/);
    expect(await readAll(csvSource(writeCsv('id,email\r\n')))).toEqual([]);
  });

  it('refuses bytes that are not valid in the encoding and says where and what to set', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('id,name\n1,Ann\n2,Ren'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    const { error } = await readUntilError(csvSource(writeCsv(latin1)));
    expect(error).toMatchObject({ name: 'SourceError', transient: false });
    expect((error as Error).message).toMatch(
      /around line 3: the file is not valid utf-8; set connection.encoding/,
    );
  });

  it.each([
    ['id,email,id\n1,a,1\n', { columns: {} }, /two columns are named "id"/],
    [
      'id,mail\n1,a\n',
      { columns: { mail: 'email', Email: 'email2' } },
      /renames "Email", not found in the header \(headers: "id", "mail"\)/,
    ],
    [
      'id,__proto__\n1,a\n',
      { columns: {} },
      /column 2 is named "__proto__"; names starting with "__" are reserved/,
    ],
  ])('refuses an unusable header %j', async (text, connection, message) => {
    const { error } = await readUntilError(csvSource(writeCsv(text), connection));
    expect(error).toMatchObject({ name: 'SourceError', transient: false });
    expect((error as Error).message).toMatch(message);
  });

  it('stops with the abort reason when the caller aborts', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},name${i}`).join('\n');
    const controller = new AbortController();
    const reason = new Error('shutting down');
    let seen = 0;
    const reading = (async () => {
      for await (const _ of csvSource(writeCsv(`id,name\n${rows}\n`)).stream(controller.signal)) {
        if (++seen === 10) controller.abort(reason);
      }
    })();
    await expect(reading).rejects.toBe(reason);
    expect(seen).toBeLessThan(5000);
  });
});

describe('CSV source: fetchOne', () => {
  const text = 'Employee Number,email\n7,a@example.com\n8,b@example.com\n';

  it('finds a record by the key the mapping reads (after renames), or null when the file lacks it', async () => {
    const source = csvSource(
      writeCsv(text),
      { columns: { 'Employee Number': 'employeeNumber' } },
      'employeeNumber',
    );
    expect(await source.fetchOne('8')).toEqual({ employeeNumber: '8', email: 'b@example.com' });
    expect(await source.fetchOne('9')).toBeNull();
  });

  it('refuses to say "absent" when an unreadable row might be that person', async () => {
    const source = csvSource(writeCsv('id,email\n7,a@example.com\n8,b@example.com,extra\n'));
    expect(await source.fetchOne('7')).toMatchObject({ id: '7' });
    await expect(source.fetchOne('8')).rejects.toThrow(
      /no readable record has key "8", but a record could not be read/,
    );
    // The bad row's key is known and differs, so "9" is positively absent.
    expect(await source.fetchOne('9')).toBeNull();

    const keyless = csvSource(writeCsv('id,email\n7,a@example.com\nb@example.com\n'), {}, 'email');
    await expect(keyless.fetchOne('zz@example.com')).rejects.toBeInstanceOf(SourceError);
  });
});
