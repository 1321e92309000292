/**
 * The Message-ID of an invite, the same on every try of the same attempt: if a message ever did go out twice
 * (see README "Delivery guarantees") the copies share an id, so the receiver and an auditor can tell.
 */
export function inviteMessageId(inviteId: string, attempt: number, domain: string): string {
  return `<invite.${inviteId}.${attempt}@${domain}>`;
}

export function managerNoticeMessageId(inviteId: string, domain: string): string {
  return `<manager-notice.${inviteId}@${domain}>`;
}

/** The domain part of a From address (`Team <it@example.com>` → `example.com`); `kratos-sync.local` otherwise. */
export function domainOf(from: string | undefined): string {
  const match = /@([A-Za-z0-9.-]+)/.exec(from ?? '');
  return match?.[1] ?? 'kratos-sync.local';
}
