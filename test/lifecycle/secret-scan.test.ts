import { describe, expect, it } from 'vitest';
import { findLeaks } from './support/secret-scan.ts';

// The scans other tests rely on must be able to fail: here they see what they are meant to catch.
describe('the secret scan used by the lifecycle tests', () => {
  it('finds a known secret, a recovery link shape and a session-token shape', () => {
    const lines = [
      '{"msg":"ok","token":"abcDEF123456"}',
      '{"msg":"sent","url":"https://x.example/self-service/recovery?flow=1&token=zzzzzzzzzz"}',
      'ory_st_abcdefghijkl',
      '{"clean":true}',
    ];
    expect(findLeaks([lines.join('\n')], ['abcDEF123456'])).toHaveLength(3);
  });

  it('finds a six-digit code standing alone but not inside a longer number', () => {
    expect(findLeaks(['code 123456 here'], ['123456'])).toHaveLength(1);
    expect(findLeaks(['at 1781234567890'], ['234567'])).toEqual([]);
  });
});
