import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';

/**
 * One person an operator asked to offboard, as given: an id (Kratos identity id or the source's person key)
 * or an email, where it came from (for messages), and per-person reason / leaving time from a file.
 */
export interface RunbookEntry {
  input: string;
  kind: 'id' | 'email';
  /** `--ids #2`, `leavers.csv line 7`. */
  origin: string;
  reason?: string;
  leftAt?: string;
}

/** A line of input that cannot be used, reported in the receipt instead of stopping the runbook. */
export interface RunbookInputProblem {
  origin: string;
  input: string;
  reason: string;
}

export interface RunbookInput {
  entries: RunbookEntry[];
  problems: RunbookInputProblem[];
}

/** `--ids a,b c` and `--emails x@y,z@w`: split on commas and whitespace, duplicates dropped. */
export function entriesFromLists(ids: readonly string[], emails: readonly string[]): RunbookInput {
  const entries: RunbookEntry[] = [];
  const seen = new Set<string>();
  const add = (values: readonly string[], kind: RunbookEntry['kind'], flag: string) => {
    values
      .flatMap((value) => value.split(/[\s,]+/))
      .filter(Boolean)
      .forEach((input, index) => {
        const id = `${kind}:${kind === 'email' ? input.toLowerCase() : input}`;
        if (seen.has(id)) return;
        seen.add(id);
        entries.push({ input, kind, origin: `${flag} #${index + 1}` });
      });
  };
  add(ids, 'id', '--ids');
  add(emails, 'email', '--emails');
  return { entries, problems: [] };
}

const ID_COLUMNS = ['id', 'identity_id', 'key', 'employee_id'];
const EMAIL_COLUMNS = ['email', 'mail'];

/**
 * A leavers file: CSV with a header naming an id column (`id`, `identity_id`, `key`, `employee_id`) and/or
 * an `email` column, optionally `reason` and `left_at` (ISO date or date-time). A row that cannot be used
 * becomes a problem naming its line; the other rows go ahead.
 */
export function entriesFromCsv(text: string, file: string): RunbookInput {
  const rows = parse(text, {
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    skip_empty_lines: true,
    trim: true,
    bom: true,
    info: true,
    relax_column_count: true,
  }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  if (rows.length > 0 && ![...ID_COLUMNS, ...EMAIL_COLUMNS].some((c) => header.includes(c))) {
    throw new Error(
      `${file}: no id or email column in the header (expected one of ${[...ID_COLUMNS, ...EMAIL_COLUMNS].join(', ')})`,
    );
  }
  const input: RunbookInput = { entries: [], problems: [] };
  const seen = new Set<string>();
  for (const { record, info } of rows) {
    const origin = `${file} line ${info.lines}`;
    const entry = entryFromRow(record, origin);
    if ('problem' in entry) {
      input.problems.push(entry.problem);
      continue;
    }
    const id = `${entry.kind}:${entry.kind === 'email' ? entry.input.toLowerCase() : entry.input}`;
    if (seen.has(id)) continue;
    seen.add(id);
    input.entries.push(entry);
  }
  return input;
}

function entryFromRow(
  record: Record<string, string>,
  origin: string,
): RunbookEntry | { problem: RunbookInputProblem } {
  const id = ID_COLUMNS.map((c) => record[c]).find(Boolean);
  const email = EMAIL_COLUMNS.map((c) => record[c]).find(Boolean);
  if (!id && !email) return { problem: { origin, input: '', reason: 'no id or email on this line' } };
  const entry: RunbookEntry = id
    ? { input: id, kind: 'id', origin }
    : { input: email!, kind: 'email', origin };
  if (record.reason) entry.reason = record.reason;
  if (record.left_at) {
    const at = DateTime.fromISO(record.left_at, { zone: 'utc' });
    if (!at.isValid) {
      return {
        problem: {
          origin,
          input: entry.input,
          reason: `left_at "${record.left_at}" is not an ISO date or date-time`,
        },
      };
    }
    entry.leftAt = at.toUTC().toISO()!;
  }
  return entry;
}
