import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.ts';
import type { PersonExplanation } from '../../src/sync/explain-person.ts';
import { people, person } from '../sync/engine-harness.ts';
import { startCliHarness, type CliHarness } from './cli-harness.ts';

describe('kratos-sync explain (spawned, simulator + real Redis)', { timeout: 180_000 }, () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness({
      people: [...people(2), person(3, { email: 'not-an-email' }), person(4)],
    });
    expect((await h.run(['sync'])).code).toBe(EXIT.partial); // person 3 is quarantined
    h.writePeople([
      person(1, { last: 'Newname', updated: '2026-03-01T00:00:00Z' }),
      person(2),
      person(3, { email: 'not-an-email' }),
      person(4),
    ]);
    // A pending person job (no worker runs here).
    expect((await h.run(['sync', '--person', 'E00002', '--queue'])).code).toBe(EXIT.ok);
  });
  afterAll(() => h.release());

  it('shows the mapped record, the identity and how it matched, what a sync would do, and the audit', async () => {
    const result = await h.run(['explain', 'E00001']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toContain('hr/E00001');
    expect(result.stdout).toContain('"last":"Newname"');
    expect(result.stdout).toContain('matched by the marker index');
    expect(result.stdout).toMatch(/a sync now would: update — .*traits\.name\.last/);
    expect(result.stdout).toMatch(/create applied run \S+/);
  });

  it('finds a person by email, and lists their pending job', async () => {
    const result = await h.run(['explain', 'Person2@example.com', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const [one] = JSON.parse(result.stdout) as PersonExplanation[];
    expect(one!.key).toBe('E00002');
    expect(one!.plan.kind).toBe('none');
    expect(one!.jobs).toEqual([expect.objectContaining({ name: 'person.sync', state: 'waiting' })]);
    expect(one!.identity).toMatchObject({ managed: true, state: 'active' });
  });

  it('says why a record is quarantined, and that a sync leaves the person alone', async () => {
    const result = await h.run(['explain', 'E00003', '--json']);
    const [one] = JSON.parse(result.stdout) as PersonExplanation[];
    expect(one!.record.outcome).toBe('quarantined');
    expect(JSON.stringify(one!.record)).toMatch(/email/);
    expect(one!.identity).toBeNull();
    expect(one!.plan.kind).toBe('none');
  });

  it('nobody found is exit 1 with a clear message', async () => {
    const result = await h.run(['explain', 'nobody@example.com']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.stderr).toContain('nobody found for "nobody@example.com"');
  });
});
