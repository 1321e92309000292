import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderDecision } from '../../src/cli/render-decision.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import type { DecisionResult } from '../../src/sync/approve.ts';

/** An approval where the source re-check left one held removal alone (README: "the reason is in the approve output"). */
const approval: DecisionResult = {
  runId: 'run-1',
  decision: 'approved',
  alreadyDecided: false,
  status: 'completed',
  applied: 1,
  failed: 0,
  skipped: 1,
  results: [
    {
      action: { kind: 'deactivate', key: 'E00001', identityId: 'id-1', reason: 'absent from the source' },
      outcome: 'applied',
      identityId: 'id-1',
    },
    {
      action: { kind: 'deactivate', key: 'E00002', identityId: 'id-2', reason: 'absent from the source' },
      outcome: 'skipped',
      identityId: 'id-2',
      error: {
        code: 'SYNC_ERR_SOURCE_REFUSED',
        message: 'the source\'s record for key "E00002" cannot be read (bad row): not deactivated on doubt',
      },
    },
  ],
};

function printed(json: boolean): { text: string; code: number } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const code = renderDecision(approval, json);
  const text = log.mock.calls.map((call) => call.join(' ')).join('\n');
  return { text, code };
}

afterEach(() => vi.restoreAllMocks());

describe('renderDecision (approve output)', () => {
  it('prints each held removal approval skipped, with its code and reason', () => {
    const { text, code } = printed(false);
    expect(code).toBe(EXIT.ok);
    expect(text).toContain('Run run-1 approved: 1 applied, 0 failed, 1 skipped; status completed.');
    expect(text).toMatch(
      /skipped deactivate E00002 \(id-2\): SYNC_ERR_SOURCE_REFUSED — .*not deactivated on doubt/,
    );
    expect(text).not.toMatch(/E00001/); // an applied removal needs no line of its own
  });

  it('keeps the skip reason in --json', () => {
    const { text } = printed(true);
    const parsed = JSON.parse(text) as {
      skipped: number;
      items: { key: string; outcome: string; error?: { code: string } }[];
    };
    expect(parsed.skipped).toBe(1);
    expect(parsed.items.find((item) => item.key === 'E00002')).toMatchObject({
      outcome: 'skipped',
      error: { code: 'SYNC_ERR_SOURCE_REFUSED' },
    });
  });
});
