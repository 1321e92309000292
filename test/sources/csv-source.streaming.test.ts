import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createCsvSource } from '../../src/sources/csv/csv-source.ts';
import { sourceLine, type SourceRecord } from '../../src/sources/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-csv-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function source(file: string, delimiter?: ',' | ';' | '\t') {
  return createCsvSource({
    name: 'hr',
    connection: { type: 'csv', path: file, columns: {}, ...(delimiter ? { delimiter } : {}) },
    baseDir: dir,
    keyOf: (record) => record.employee_id as string | undefined,
  });
}

describe('CSV source on a 100,000-row export', () => {
  const rows = 100_000;
  const file = 'big.csv';

  it('streams every row with the right line numbers across chunk boundaries, in constant memory', async () => {
    // CRLF everywhere and a quoted CRLF in every row: chunk edges fall inside quotes and between CR and LF.
    const out = createWriteStream(path.join(dir, file));
    out.write('\uFEFFemployee_id;first_name;email;note\r\n');
    for (let start = 1; start <= rows; start += 1000) {
      let batch = '';
      for (let i = start; i < start + 1000; i++) {
        batch += `E${i};"Fïrst ${i}";user${i}@example.com;"multi\r\nline ""${i}"""\r\n`;
      }
      out.write(batch);
    }
    out.end();
    await finished(out);

    gc();
    const baseline = process.memoryUsage().heapUsed;
    let count = 0;
    let wrong = 0;
    let maxLiveBytes = 0;
    for await (const record of source(file).stream()) {
      count++;
      const ok =
        record.employee_id === `E${count}` &&
        record.note === `multi\nline "${count}"` &&
        sourceLine(record) === 2 * count;
      if (!ok) wrong++;
      if (count % 20_000 === 0) {
        gc();
        maxLiveBytes = Math.max(maxLiveBytes, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(count).toBe(rows);
    expect(wrong).toBe(0);
    // Holding the rows would need tens of MB (the file is ~8 MB of text; objects cost more). Streaming keeps
    // about one chunk and one record alive.
    expect(maxLiveBytes).toBeLessThan(8 * 1024 * 1024);
  });

  it('finds the last row with fetchOne by scanning', async () => {
    expect(await source(file).fetchOne(`E${rows}`)).toMatchObject({ email: `user${rows}@example.com` });
  });
});

/** RFC 4180 writer: quotes exactly the fields that need it. */
function writeField(value: string, delimiter: string): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('CSV source round-trips what an RFC 4180 writer produces', () => {
  const value = fc.string({
    unit: fc.constantFrom('a', 'é', ' ', '"', ',', ';', '\t', '\n', '\r\n', '\r', 'x', '€'),
  });

  it('yields the same values (line endings as LF) and the line each record starts on', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.record({
            rows: fc.array(fc.array(value, { minLength: width, maxLength: width }), { maxLength: 12 }),
            width: fc.constant(width),
            delimiter: fc.constantFrom(',', ';', '\t'),
            eol: fc.constantFrom('\n', '\r\n'),
            bom: fc.boolean(),
            blankLines: fc.boolean(),
          }),
        ),
        async ({ rows, width, delimiter, eol, bom, blankLines }) => {
          const header = Array.from({ length: width }, (_, i) => `col${i}`);
          let text = (bom ? '\uFEFF' : '') + header.join(delimiter) + eol;
          let line = 2;
          const expected: Array<{ record: SourceRecord; line: number }> = [];
          for (const row of rows) {
            if (blankLines) {
              text += eol;
              line++;
            }
            const rowText = row.map((v) => writeField(v, delimiter)).join(delimiter);
            const normalised = row.map((v) => v.replace(/\r\n?/g, '\n'));
            if (normalised.some((v) => v.trim() !== '')) {
              expected.push({ record: Object.fromEntries(header.map((h, i) => [h, normalised[i]])), line });
            }
            text += rowText + eol;
            line += 1 + (rowText.match(/\r\n?|\n/g)?.length ?? 0);
          }
          const file = `prop-${++run}.csv`;
          writeFileSync(path.join(dir, file), text);

          const actual: Array<{ record: SourceRecord; line: number | undefined }> = [];
          // Width 1 has no delimiter to detect; say it, as an operator would for a one-column export.
          for await (const record of source(file, width === 1 ? delimiter : undefined).stream()) {
            actual.push({ record: { ...record }, line: sourceLine(record) });
          }
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
