import { describe, expect, it } from 'vitest';
import { loadInviteTemplates } from '../../src/delivery/templates.ts';
import { composeManagerNotice } from '../../src/lifecycle/compose-invite.ts';

describe('the manager notice', () => {
  it('names the re-issue that went out, also a later one than the first (after uncertain re-issues)', () => {
    const notice = composeManagerNotice(
      loadInviteTemplates({}, process.cwd()),
      {
        invite: { source: 'hr', key: 'E1', identityId: 'id-1', inviteId: 'id-1', attempt: 3 },
        to: 'boss@example.com',
        name: 'Ada',
        sentAt: '2026-12-01T09:00:00Z',
        expiresAt: '2026-12-02T09:00:00Z',
        timeZone: 'UTC',
      },
      'example.com',
    );
    expect(notice.kind).toBe('manager-notice');
    expect(notice.data).toMatchObject({ key: 'E1', attempt: 3 });
    expect(notice.data).not.toHaveProperty('link');
  });
});
