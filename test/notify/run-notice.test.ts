import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import { renderNotice, slackEscape } from '../../src/notify/notice-message.ts';
import { noticeFor } from '../../src/notify/run-notice.ts';
import { newReport, type RunReport } from '../../src/domain/run-report.ts';

const OPTIONS = { on: ['held', 'failed', 'partial'] as const, partialAbove: { fraction: 0.05 } };

function report(fields: Partial<RunReport> = {}): RunReport {
  const base = newReport({
    id: '20261203T101500000Z-abc123',
    source: 'hr',
    trigger: 'schedule',
    dryRun: false,
    startedAt: new Date('2026-12-03T10:15:00Z'),
  });
  return {
    ...base,
    status: 'completed',
    snapshot: { complete: true, records: 200, desired: 200 },
    managed: 200,
    ...fields,
  };
}

const quarantined = (n: number) => ({
  total: n,
  records: Array.from({ length: n }, (_, i) => ({ key: `E${i}`, position: i, errors: [] }) as never),
});

describe('which runs are announced', () => {
  it('announces a held run with the guard reason', () => {
    const held = report({ status: 'held', guard: { held: 40, blocked: 0, reason: '40 removals > 10 %' } });
    expect(noticeFor(held, { ...OPTIONS, on: [...OPTIONS.on] })).toEqual({
      event: 'held',
      reason: '40 removals > 10 %',
    });
  });

  it('announces a failed run with its error, but not one the queue will run again', () => {
    const failed = report({
      status: 'failed',
      error: { code: 'SYNC_ERR_KRATOS_UNAVAILABLE', message: 'no answer' },
    });
    expect(noticeFor(failed, { ...OPTIONS, on: [...OPTIONS.on] })).toEqual({
      event: 'failed',
      reason: 'SYNC_ERR_KRATOS_UNAVAILABLE: no answer',
    });
    expect(noticeFor({ ...failed, retryScheduled: true }, { ...OPTIONS, on: [...OPTIONS.on] })).toBeNull();
  });

  it('announces a partial run only above partialAbove (fraction or count), and always when the source broke', () => {
    const on = [...OPTIONS.on];
    const few = report({ status: 'partial', quarantined: quarantined(10) }); // 5 % of 200: not above
    const many = report({ status: 'partial', quarantined: quarantined(11) });
    expect(noticeFor(few, { on, partialAbove: { fraction: 0.05 } })).toBeNull();
    expect(noticeFor(many, { on, partialAbove: { fraction: 0.05 } })?.reason).toMatch(
      /11 record\(s\) quarantined and 0 failed, 5\.5 % of 200 read \(above notify\.partialAbove\.fraction 0\.05\)/,
    );
    expect(noticeFor(few, { on, partialAbove: { fraction: 1, count: 9 } })?.reason).toContain(
      'above notify.partialAbove.count 9',
    );
    const broken = report({
      status: 'partial',
      snapshot: {
        complete: false,
        records: 3,
        desired: 3,
        error: { code: 'SYNC_ERR_SOURCE_UNAVAILABLE', message: 'source read stopped after 3 records' },
      },
    });
    expect(noticeFor(broken, { on, partialAbove: { fraction: 1 } })?.reason).toBe(
      'SYNC_ERR_SOURCE_UNAVAILABLE: source read stopped after 3 records; no one was deactivated or deleted',
    );
  });

  it('stays quiet about completed, running, dry, decided and unselected runs', () => {
    const on = [...OPTIONS.on];
    const options = { on, partialAbove: OPTIONS.partialAbove };
    const held = report({ status: 'held', guard: { held: 5, blocked: 0 } });
    expect(noticeFor(report(), options)).toBeNull();
    expect(noticeFor(report({ status: 'running' }), options)).toBeNull();
    expect(noticeFor({ ...held, dryRun: true }, options)).toBeNull();
    expect(
      noticeFor(
        {
          ...held,
          status: 'partial',
          quarantined: quarantined(100),
          approval: { decision: 'approved', at: 'x', applied: 5, failed: 0, skipped: 0 },
        },
        options,
      ),
    ).toBeNull();
    expect(noticeFor(held, { ...options, on: ['failed'] })).toBeNull();
  });
});

describe('the message', () => {
  const held = report({
    status: 'held',
    finishedAt: '2026-12-03T10:16:00Z',
    counts: { deactivate: { planned: 40, applied: 0, failed: 0, skipped: 0 } },
    guard: { held: 40, blocked: 0, reason: '40 removals exceed guard.maxRemoveCount 10' },
  });

  it('names the source, run id, counts, reason and links the console run page under http.publicUrl', () => {
    const message = renderNotice(
      held,
      { event: 'held', reason: held.guard.reason! },
      {
        publicUrl: 'https://ops.example.com/',
      },
    );
    const link = 'https://ops.example.com/console/runs/20261203T101500000Z-abc123';
    expect(message.link).toBe(link);
    expect(message.title).toBe('kratos-sync: run of hr is held: removals wait for approval');
    for (const part of ['Source: hr', 'Run: 20261203T101500000Z-abc123', 'deactivate 0/40', '40 held']) {
      expect(message.text).toContain(part);
    }
    expect(message.text).toContain('Reason: 40 removals exceed guard.maxRemoveCount 10');
    expect(message.text).toContain(`Run page: ${link}`);
    // Slack: a fallback text and Block Kit blocks, the button pointing at the run page.
    expect(message.slack.text).toContain(`<${link}|open the run>`);
    const blocks = JSON.stringify(message.slack.blocks);
    expect(blocks).toContain('"type":"header"');
    expect(blocks).toContain(`"url":"${link}"`);
    expect(blocks).toContain('20261203T101500000Z-abc123');
  });

  it('has no link without http.publicUrl', () => {
    const message = renderNotice(held, { event: 'held', reason: 'x' }, { publicUrl: undefined });
    expect(message.link).toBeUndefined();
    expect(message.text).not.toContain('Run page');
    expect(JSON.stringify(message.slack)).not.toContain('"actions"');
  });

  it('scrubs configured secrets and escapes Slack control characters in text a remote system sent', () => {
    const token = Secret.fromConfig('ory_pat_notify_test_secret_value');
    const failed = report({ status: 'failed' });
    // A configured secret, and a token of a known shape that was never configured (a gateway's echo).
    const reason = `SYNC_ERR_KRATOS_REJECTED: gateway said <!channel> key ${token.reveal()} & Authorization: Bearer ory_at_EchoedByGateway99 more`;
    const message = renderNotice(failed, { event: 'failed', reason }, { publicUrl: undefined });
    const everything = JSON.stringify(message);
    expect(everything).not.toContain(token.reveal());
    expect(everything).not.toContain('EchoedByGateway99');
    // Slack would turn `<!channel>` into a mention of everyone; the email's plain text shows it as written.
    expect(JSON.stringify(message.slack)).not.toContain('<!channel>');
    expect(JSON.stringify(message.slack.blocks)).toContain('&lt;!channel&gt;');
    expect(slackEscape('a & <b>')).toBe('a &amp; &lt;b&gt;');
  });

  it('bounds a long reason', () => {
    const message = renderNotice(
      report({ status: 'failed' }),
      { event: 'failed', reason: 'x'.repeat(5000) },
      {},
    );
    expect(message.text.length).toBeLessThan(1200);
  });
});
