import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalText } from '../../src/cli/terminal-output.ts';
import { startCliHarness, type CliHarness } from './cli-harness.ts';

// What an HR record can carry into a terminal: clear screen + cursor home, an OSC 8 hyperlink to another
// site, a carriage return that overwrites the line, an 8-bit CSI (U+009B), a right-to-left override.
const CLEAR = '\u001b[2J\u001b[H';
const LINK = '\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007';
const FIRST = `Eve${CLEAR}${LINK}\rApproved\u009b31m\u202eevil`;
const LAST = 'Smith\u0008\u0008\u0008\u0008\u0008Jones';

/** Any character a terminal would act on rather than show (tab and newline aside). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminal control characters from HR data', { timeout: 120_000 }, () => {
  let h: CliHarness;

  beforeAll(async () => {
    h = await startCliHarness({
      people: [],
      source: {
        mapping: {
          key: 'employee_id',
          schemaId: '"employee"',
          traits: '{ "email": work_email, "name": { "first": first_name, "last": last_name } }',
        },
        leaver: { policy: 'deactivate' },
      },
    });
    const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
    writeFileSync(
      path.join(h.dir, 'people.csv'),
      [
        'employee_id,first_name,last_name,work_email',
        `E1,${quote(FIRST)},${quote(LAST)},eve@example.com`,
        // A record that is quarantined: its key carries the escapes into the quarantine lines.
        `${quote(`E2${CLEAR}`)},Bob,Jones,not-an-email`,
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await h?.release();
  });

  it('are shown as visible escapes in the plan table and report, never sent to the terminal', async () => {
    const { stdout, stderr } = await h.run(['plan']);
    expect(stdout + stderr).not.toMatch(CONTROL);
    expect(stdout).toContain('Eve\\u001b[2J\\u001b[H\\u001b]8;;https://evil.example/\\u0007click');
    expect(stdout).toContain('\\u009b31m\\u202eevil');
    expect(stdout).toContain('E2\\u001b[2J');
  });

  it('keep --json output valid JSON that parses back to the exact values', async () => {
    const { stdout } = await h.run(['plan', '--json']);
    expect(stdout).not.toMatch(CONTROL);
    const [report] = JSON.parse(stdout) as Array<{ plan: Array<{ key: string; name?: string }> }>;
    const created = report!.plan.find((entry) => entry.key === 'E1')!;
    expect(created.name).toContain(`Eve${CLEAR}${LINK}`);
    expect(created.name).toContain('\u009b31m\u202eevil');
  });

  it('terminalText leaves tab, newline and ordinary Unicode alone', () => {
    expect(terminalText('a\tb\nc — Zoë 東京')).toBe('a\tb\nc — Zoë 東京');
  });
});
