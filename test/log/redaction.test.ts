import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import { captureLogs } from '../support/capture-logs.ts';

describe('log redaction', () => {
  it('never writes a Secret, wherever it sits in a log line', () => {
    const { logger, text } = captureLogs();
    const token = new Secret('ory_pat_0123456789abcdef');
    logger.info({ token, nested: { deeper: { value: token } }, list: [token] }, 'configured');
    logger.info(`template literal ${token}`);
    logger.child({ job: 'x', token }).warn('child logger');
    expect(text()).not.toContain('ory_pat_0123456789abcdef');
    expect(text()).toContain('[redacted]');
  });

  it('blanks known secret fields that arrive as plain strings from outside', () => {
    const { logger, lines } = captureLogs();
    logger.info({
      recovery_link: 'https://id.example.com/self-service/recovery?flow=f&token=tok123456',
      recovery_code: '483920',
      headers: { authorization: 'Bearer abcdefghijk', 'x-session-token': 'sess_token_12345' },
      req: { headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: 'ory_session=abcdef123456' } },
      password: 'hunter2hunter2',
      session_token: 'ory_st_zzzzzzzzzzzz',
    });
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line.recovery_link).toBe('[redacted]');
    expect(line.recovery_code).toBe('[redacted]');
    expect(line.headers.authorization).toBe('[redacted]');
    expect(line.headers['x-session-token']).toBe('[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req.headers.cookie).toBe('[redacted]');
    expect(line.password).toBe('[redacted]');
    expect(line.session_token).toBe('[redacted]');
    for (const leaked of [
      'tok123456',
      '483920',
      'abcdefghijk',
      'dXNlcjpwYXNz',
      'hunter2hunter2',
      'ory_st_zzzz',
    ]) {
      expect(lines[0]).not.toContain(leaked);
    }
  });

  it('scrubs a known secret value that reached an error message or a free-text message', () => {
    const { logger, text } = captureLogs();
    const webhookSecret = Secret.fromConfig('whsec_live_a1b2c3d4e5');
    const err = new Error(`upstream echoed our header: Authorization: Bearer ${webhookSecret.reveal()}`);
    logger.error({ err }, 'request failed');
    logger.warn(`unexpected text containing ${webhookSecret.reveal()}`);
    expect(text()).not.toContain('whsec_live_a1b2c3d4e5');
    expect(text()).toContain('request failed');
  });
});
