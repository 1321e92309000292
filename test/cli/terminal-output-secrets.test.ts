import { describe, expect, it } from 'vitest';
import { terminalText } from '../../src/cli/terminal-output.ts';
import { Secret } from '../../src/config/secret.ts';

// A password with a quote and a backslash: JSON writes it escaped, and escapes it again when the JSON is
// itself held in a JSON string (a job's stored error body printed by `--json`).
const PASSWORD = 'pw"with\\slash-Zq81';

describe('CLI output scrubs configured secrets in every form JSON gives them', () => {
  Secret.fromConfig(PASSWORD);

  it('in plain text and in JSON', () => {
    expect(terminalText(`login as x:${PASSWORD} failed`)).toBe('login as x:[redacted] failed');
    const once = terminalText(JSON.stringify({ reason: `echoed ${PASSWORD}` }));
    expect(once).not.toContain('Zq81');
    expect(JSON.parse(once)).toEqual({ reason: 'echoed [redacted]' });
  });

  it('in JSON held inside a JSON string, which stays valid at both levels', () => {
    const inner = JSON.stringify({ error: { message: `bad credentials ${PASSWORD}` } });
    const printed = terminalText(JSON.stringify({ id: '7', failedReason: inner }, null, 2));
    expect(printed).not.toContain('Zq81');
    const outer = JSON.parse(printed) as { failedReason: string };
    expect(JSON.parse(outer.failedReason)).toEqual({ error: { message: 'bad credentials [redacted]' } });
  });

  it('three levels deep', () => {
    const deep = JSON.stringify([JSON.stringify([JSON.stringify([PASSWORD])])]);
    expect(terminalText(deep)).not.toContain('Zq81');
  });
});
