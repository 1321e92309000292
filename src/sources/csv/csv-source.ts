import { createReadStream } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pipeline } from 'node:stream';
import { CsvError, parse, type Info } from 'csv-parse';
import type { CsvConnection } from '../../config/sections/source.ts';
import { badRow, safeKeyOf, withLine } from '../record-meta.ts';
import { findByScan } from '../find-by-scan.ts';
import { SourceError, type Source, type SourceRecord } from '../types.ts';
import { csvColumns } from './csv-columns.ts';
import { createCsvLookup } from './csv-lookup.ts';
import { decodeText, encodingFromBom } from './decode-text.ts';
import { detectDelimiter } from './detect-delimiter.ts';
import { fileError, readHead } from './read-head.ts';

/** A record larger than this is a stray quote swallowing the rest of the file, not a person. */
const MAX_RECORD_CHARS = 1024 * 1024;

export interface CsvSourceOptions {
  name: string;
  connection: CsvConnection;
  /** Folder a relative `connection.path` resolves against (the config file's folder). */
  baseDir: string;
  keyOf: (record: SourceRecord) => string | undefined;
}

interface CsvContext extends CsvSourceOptions {
  path: string;
  /** The path as configured: what messages name (no need to reveal the deployment's folders). */
  file: string;
}

/**
 * A CSV export read as a stream (constant memory, whatever the file size). Records are objects of strings
 * keyed by the (trimmed, renamed) header, carrying their first line number under `__line`. Rows whose fields
 * are all empty are skipped like blank lines. A row with the wrong number of fields is yielded as a bad row
 * (`__error`, rule `field-count`); a file that cannot be read, is empty, has an unusable header, or ends
 * inside a quoted field throws SourceError: its snapshot is incomplete.
 *
 * Quotes are read leniently (`relax_quotes`): a quote inside an unquoted field (`5'10"`) is kept as text,
 * because HR exports contain such values and refusing them would quarantine real people.
 */
export function createCsvSource(options: CsvSourceOptions): Source {
  const { path } = options.connection;
  const context: CsvContext = {
    ...options,
    path: isAbsolute(path) ? path : resolve(options.baseDir, path),
    file: path,
  };
  return {
    name: options.name,
    stream: (signal) => readCsvRecords(context, signal),
    fetchOne: createCsvLookup({
      path: context.path,
      read: () => readCsvRecords(context),
      scan: (key, signal) => findByScan(readCsvRecords(context, signal), options.keyOf, key),
      keyOf: options.keyOf,
    }),
  };
}

async function* readCsvRecords(context: CsvContext, signal?: AbortSignal): AsyncGenerator<SourceRecord> {
  const { connection, file } = context;
  const head = await readHead(context.path, file);
  const encoding = connection.encoding ?? encodingFromBom(head) ?? 'utf-8';
  const delimiter = connection.delimiter ?? detectDelimiter(new TextDecoder(encoding).decode(head));

  const input = createReadStream(context.path, { signal, highWaterMark: 64 * 1024 });
  const parser = parse({
    delimiter,
    record_delimiter: '\n', // decodeText turned every line ending into LF
    relax_quotes: true,
    relax_column_count: true, // wrong field counts become bad rows here, not parser errors that end the file
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    info: true,
  });
  // Errors of any stage (read, decode, parse) reach the parser's iterator below.
  pipeline(input, decodeText(encoding, file), parser, () => {});

  let columns: Array<string | undefined> | undefined;
  let lastLine = 0;
  try {
    for await (const { record: fields, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const line = info.lines - countNewlines(fields);
      lastLine = info.lines;
      if (fields.every((field) => field.trim() === '')) continue;
      if (columns === undefined) {
        columns = csvColumns(fields, connection.columns, file);
        continue;
      }
      yield toRecord(context, columns, fields, line, info.lines);
    }
  } catch (err) {
    throw csvFailure(err, file, lastLine, signal);
  } finally {
    input.destroy();
  }
  if (columns === undefined) {
    // An empty export is far more often a failed export than a company without people.
    throw new SourceError(`${file}: the export is empty (no header row)`, { transient: true });
  }
}

function toRecord(
  context: CsvContext,
  columns: ReadonlyArray<string | undefined>,
  fields: readonly string[],
  line: number,
  lastLine: number,
): SourceRecord {
  const record: SourceRecord = {};
  const count = Math.min(columns.length, fields.length);
  for (let i = 0; i < count; i++) {
    const name = columns[i];
    if (name !== undefined) record[name] = fields[i];
  }
  if (fields.length === columns.length) return withLine(record, line);

  const where = lastLine > line ? `lines ${line}-${lastLine}` : `line ${line}`;
  const key = safeKeyOf(context.keyOf, record);
  return badRow(
    {
      rule: 'field-count',
      message: `${context.file}: ${where}: expected ${columns.length} fields as in the header, found ${fields.length}`,
      ...(key === undefined ? {} : { key }),
    },
    line,
  );
}

function csvFailure(err: unknown, file: string, lastLine: number, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof SourceError) return err;
  if (!(err instanceof CsvError)) return fileError(file, err);
  if (err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_MAX_RECORD_SIZE') {
    return new SourceError(
      `${file}: a quoted field opened after line ${lastLine} is never closed ` +
        `(the export is truncated or has a stray quote)`,
      { transient: true },
    );
  }
  // csv-parse's messages quote field values (personal data), so neither its message nor the error itself
  // (as `cause`, which loggers print) goes further: its code says enough.
  return new SourceError(`${file}: line ${String(err.lines)}: cannot parse the CSV (${err.code})`, {
    transient: false,
  });
}

function countNewlines(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) count++;
  }
  return count;
}
