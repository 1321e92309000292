import { describe, expect, it } from 'vitest';
import { renderUndo } from '../../src/cli/render-undo.ts';
import type { RunReport } from '../../src/domain/run-report.ts';
import type { UndoOutcome } from '../../src/sync/run-undo.ts';

describe('renderUndo', () => {
  it('draws the plan table without colour codes (CLI output would show them as \\u001b escapes)', () => {
    const run = { id: 'run-1', source: 'hr', trigger: 'cli', startedAt: '2026-01-01T00:00:00Z' };
    const text = renderUndo({
      plan: {
        run: run as unknown as RunReport,
        steps: [
          { kind: 'reactivate', key: 'E00001', identityId: 'id-1', reason: 'the run deactivated them' },
        ],
        skipped: [],
        statesOnly: true,
        notices: [],
      },
      // Only what the table shows: the step's current identity is not printed.
    } as unknown as UndoOutcome);
    expect(text).toMatch(/reactivate\s+│\s+E00001/);
    expect(text).not.toContain('\u001b');
  });
});
