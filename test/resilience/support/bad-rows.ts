import fc from 'fast-check';

/**
 * Generated HR exports mixing good rows with every kind of bad one, plus the oracle: which rows must be
 * synced (and to what), and which must be quarantined (under which key, for which rule).
 */
export type RowKind =
  | 'good'
  | 'stray-quote'
  | 'huge'
  | 'field-count'
  | 'missing-key'
  | 'bad-email'
  | 'empty-name'
  | 'dup-key'
  | 'dup-email';

export interface RowSpec {
  kind: RowKind;
  first: string;
  last: string;
  department: string;
  /** Picks the earlier good row a duplicate copies. */
  pick: number;
  /** Fewer (false) or more (true) fields than the header, for `field-count`. */
  extra: boolean;
  upperEmail: boolean;
}

/** Strings an HR export really contains: accents, scripts, emoji, zero-width and control characters. */
const oddText = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    fc.constantFrom(
      'Zoë',
      "O'Brien",
      '"Quoted" Name',
      'Comma, Inside',
      'two\nlines',
      'zero\u200bwidth',
      'שלום',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      'e\u0301',
      'nul\u0000char',
      '  padded  ',
      '🙂👍🏽👩‍👩‍👧',
      'Straße',
      '\ttab',
      '=cmd|/C calc',
    ),
  )
  // A CR is normalised to LF by the CSV reader (exports from Windows): keep the oracle simple.
  .map((s) => s.replace(/\r/g, ''))
  // Kratos' schema wants names of at least one character; an all-blank row is skipped like a blank line.
  .filter(
    (s) => s.trim().length > 0 && !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')),
  );

export const rowSpec: fc.Arbitrary<RowSpec> = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant<RowKind>('good'), weight: 10 },
    { arbitrary: fc.constant<RowKind>('stray-quote'), weight: 1 },
    { arbitrary: fc.constant<RowKind>('huge'), weight: 1 },
    { arbitrary: fc.constant<RowKind>('field-count'), weight: 2 },
    { arbitrary: fc.constant<RowKind>('missing-key'), weight: 2 },
    { arbitrary: fc.constant<RowKind>('bad-email'), weight: 2 },
    { arbitrary: fc.constant<RowKind>('empty-name'), weight: 1 },
    { arbitrary: fc.constant<RowKind>('dup-key'), weight: 2 },
    { arbitrary: fc.constant<RowKind>('dup-email'), weight: 2 },
  ),
  first: oddText,
  last: oddText,
  department: oddText,
  pick: fc.nat(),
  extra: fc.boolean(),
  upperEmail: fc.boolean(),
});

export interface ExpectedPerson {
  key: string;
  traits: { email: string; name: { first: string; last: string }; department: string };
  departmentCode: string;
}

export interface ExpectedQuarantine {
  /** The person key, or `#<position>` for a record without a readable key. */
  key: string;
  rule: string;
}

export interface GeneratedExport {
  csv: string;
  synced: Map<string, ExpectedPerson>;
  quarantined: ExpectedQuarantine[];
}

const HEADER = ['employee_id', 'first_name', 'last_name', 'work_email', 'department', 'status', 'updated_at'];
const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;

export function buildExport(specs: readonly RowSpec[]): GeneratedExport {
  const lines = [HEADER.join(',')];
  const synced = new Map<string, ExpectedPerson>();
  const quarantined: ExpectedQuarantine[] = [];
  // Good rows not yet copied by a duplicate: each is copied at most once, so the oracle stays exact.
  const copyable: Array<{ key: string; email: string }> = [];
  specs.forEach((spec, i) => {
    const position = i + 1;
    const key = `K${position}`;
    const email = `person${position}@example.com`;
    const written = spec.upperEmail ? email.toUpperCase() : email;
    let kind = spec.kind;
    if ((kind === 'dup-key' || kind === 'dup-email') && copyable.length === 0) kind = 'good';
    const row = (fields: string[]) => lines.push(fields.map(quote).join(','));
    const good = (rowKey: string, rowEmail: string, department: string) => {
      row([rowKey, spec.first, spec.last, rowEmail, department, 'active', '2026-01-01T00:00:00Z']);
    };
    const expectSynced = (department: string) => {
      synced.set(key, {
        key,
        traits: { email, name: { first: spec.first, last: spec.last }, department },
        departmentCode: department.toUpperCase(),
      });
      copyable.push({ key, email });
    };
    switch (kind) {
      case 'good':
        good(key, written, spec.department);
        expectSynced(spec.department);
        break;
      case 'stray-quote': {
        // Unquoted fields with a quote inside (5'10", O"Neil): read as text, not as a broken row.
        const last = `O"Ne"il${position}`;
        lines.push([key, 'Stray', last, written, 'Ops', 'active', '2026-01-01T00:00:00Z'].join(','));
        synced.set(key, {
          key,
          traits: { email, name: { first: 'Stray', last }, department: 'Ops' },
          departmentCode: 'OPS',
        });
        copyable.push({ key, email });
        break;
      }
      case 'huge': {
        const department = `${spec.department}${'x'.repeat(50_000 + (spec.pick % 150_000))}`;
        good(key, written, department);
        expectSynced(department);
        break;
      }
      case 'field-count': {
        const fields = [
          key,
          spec.first,
          spec.last,
          written,
          spec.department,
          'active',
          '2026-01-01T00:00:00Z',
        ];
        row(spec.extra ? [...fields, 'surplus'] : fields.slice(0, 5));
        quarantined.push({ key, rule: 'field-count' });
        break;
      }
      case 'missing-key':
        good('', written, spec.department);
        quarantined.push({ key: `#${position}`, rule: 'missing-key' });
        break;
      case 'bad-email':
        good(key, `${spec.first.replace(/@/g, '')} at example`, spec.department);
        quarantined.push({ key, rule: 'format:email' });
        break;
      case 'empty-name':
        row([key, '', spec.last, written, spec.department, 'active', '2026-01-01T00:00:00Z']);
        quarantined.push({ key, rule: 'minLength' });
        break;
      case 'dup-key':
      case 'dup-email': {
        const [original] = copyable.splice(spec.pick % copyable.length, 1);
        synced.delete(original!.key);
        if (kind === 'dup-key') {
          good(original!.key, written, spec.department);
          quarantined.push(
            { key: original!.key, rule: 'duplicate-key' },
            { key: original!.key, rule: 'duplicate-key' },
          );
        } else {
          good(key, spec.upperEmail ? original!.email.toUpperCase() : original!.email, spec.department);
          quarantined.push({ key: original!.key, rule: 'duplicate-email' }, { key, rule: 'duplicate-email' });
        }
        break;
      }
    }
  });
  return { csv: lines.join('\n') + '\n', synced, quarantined };
}

/** A JSON item of an HR API, good or wrong in type or shape, and what must become of it. */
export type JsonItemKind =
  | 'good'
  | 'number-key'
  | 'object-key'
  | 'null-key'
  | 'not-an-object'
  | 'array-name'
  | 'number-email'
  | 'object-department'
  | 'missing-email';

export const jsonItemSpec = fc.record({
  kind: fc.constantFrom<JsonItemKind>(
    'good',
    'good',
    'good',
    'number-key',
    'object-key',
    'null-key',
    'not-an-object',
    'array-name',
    'number-email',
    'object-department',
    'missing-email',
  ),
  first: oddText,
  last: oddText,
  notAnObject: fc.constantFrom<unknown>(null, 'E1', 42, ['E1'], true),
});

export interface GeneratedItems {
  items: unknown[];
  synced: Map<string, ExpectedPerson>;
  /** Key (or `#position`) of every item that must be quarantined; the rule is whatever names the problem. */
  quarantinedKeys: string[];
}

export function buildItems(
  specs: ReadonlyArray<{ kind: JsonItemKind; first: string; last: string; notAnObject: unknown }>,
): GeneratedItems {
  const items: unknown[] = [];
  const synced = new Map<string, ExpectedPerson>();
  const quarantinedKeys: string[] = [];
  specs.forEach((spec, i) => {
    const position = i + 1;
    const key = `J${position}`;
    const email = `item${position}@example.com`;
    const item: Record<string, unknown> = {
      employee_id: key,
      first_name: spec.first,
      last_name: spec.last,
      work_email: email,
      department: 'Ops',
      status: 'active',
      updated_at: '2026-01-01T00:00:00Z',
    };
    const good = (k: string) =>
      synced.set(k, {
        key: k,
        traits: { email, name: { first: spec.first, last: spec.last }, department: 'Ops' },
        departmentCode: 'OPS',
      });
    switch (spec.kind) {
      case 'good':
        good(key);
        break;
      case 'number-key':
        // A numeric id is a perfectly good key (read as its decimal text).
        item.employee_id = 900_000 + position;
        good(String(900_000 + position));
        break;
      case 'object-key':
        item.employee_id = { id: key };
        quarantinedKeys.push(`#${position}`);
        break;
      case 'null-key':
        item.employee_id = null;
        quarantinedKeys.push(`#${position}`);
        break;
      case 'not-an-object':
        items.push(spec.notAnObject);
        quarantinedKeys.push(`#${position}`);
        return;
      case 'array-name':
        item.first_name = [spec.first, spec.last];
        quarantinedKeys.push(key);
        break;
      case 'number-email':
        item.work_email = 12345;
        quarantinedKeys.push(key);
        break;
      case 'object-department':
        item.department = { name: 'Ops' };
        quarantinedKeys.push(key);
        break;
      case 'missing-email':
        delete item.work_email;
        quarantinedKeys.push(key);
        break;
    }
    items.push(item);
  });
  return { items, synced, quarantinedKeys };
}
