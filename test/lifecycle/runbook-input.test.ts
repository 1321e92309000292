import { describe, expect, it } from 'vitest';
import { entriesFromCsv, entriesFromLists } from '../../src/lifecycle/runbook-input.ts';

describe('runbook input', () => {
  it('splits --ids and --emails on commas and spaces and drops repeats', () => {
    const { entries } = entriesFromLists(['a,b', 'c a'], ['X@example.com, x@EXAMPLE.com']);
    expect(entries.map((e) => `${e.kind}:${e.input}`)).toEqual([
      'id:a',
      'id:b',
      'id:c',
      'email:X@example.com',
    ]);
    expect(entries[2]!.origin).toBe('--ids #3');
  });

  it('reads a leavers file, naming the line of every row it cannot use', () => {
    const csv = [
      'Employee_ID;email;reason;left_at',
      'E1;;resigned;2026-03-31',
      ';e2@example.com;;',
      ';;no one here;',
      'E4;;;yesterday',
      'E1;;again;',
    ].join('\n');
    const { entries, problems } = entriesFromCsv(csv.replace(/;/g, ','), 'leavers.csv');
    expect(entries).toEqual([
      {
        input: 'E1',
        kind: 'id',
        origin: 'leavers.csv line 2',
        reason: 'resigned',
        leftAt: '2026-03-31T00:00:00.000Z',
      },
      { input: 'e2@example.com', kind: 'email', origin: 'leavers.csv line 3' },
    ]);
    expect(problems).toEqual([
      { origin: 'leavers.csv line 4', input: '', reason: 'no id or email on this line' },
      {
        origin: 'leavers.csv line 5',
        input: 'E4',
        reason: 'left_at "yesterday" is not an ISO date or date-time',
      },
    ]);
  });

  it('refuses a file whose header has neither an id nor an email column', () => {
    expect(() => entriesFromCsv('name,dept\nA,B\n', 'people.csv')).toThrow(
      /people\.csv: no id or email column/,
    );
  });
});
