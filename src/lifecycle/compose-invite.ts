import { DateTime } from 'luxon';
import type { InviteMessage } from '../delivery/channel.ts';
import { SealedText } from '../delivery/sealed-text.ts';
import { inviteMessageId, managerNoticeMessageId } from '../delivery/message-id.ts';
import { renderTemplate, type InviteTemplates } from '../delivery/templates.ts';
import type { RecoveryCode, RecoveryLink } from '../kratos/types.ts';
import type { InviteRef } from './onboarding-deps.ts';

export interface InviteContent {
  invite: InviteRef;
  attempt: number;
  to: string;
  name: string;
  timeZone: string;
  issued: RecoveryLink | RecoveryCode;
}

/** The invite message. Its bodies hold the link (and code), so they are built as `Secret`s. */
export function composeInvite(
  templates: InviteTemplates,
  content: InviteContent,
  domain: string,
): InviteMessage {
  const { invite, issued } = content;
  const code = 'code' in issued ? issued.code : undefined;
  const values = {
    name: content.name,
    link: issued.link.reveal(),
    code: code?.reveal() ?? '',
    expiresAt: formatInstant(issued.expiresAt, content.timeZone),
  };
  return {
    messageId: inviteMessageId(invite.inviteId, content.attempt, domain),
    kind: 'invite',
    to: content.to,
    subject: renderTemplate(templates.subject, { name: content.name }, 'text'),
    text: new SealedText(renderTemplate(templates.text, values, 'text')),
    html: new SealedText(renderTemplate(templates.html, values, 'html')),
    data: {
      source: invite.source,
      key: invite.key,
      identityId: invite.identityId,
      name: content.name,
      link: issued.link,
      ...(code ? { code } : {}),
      expiresAt: issued.expiresAt,
      attempt: content.attempt,
    },
  };
}

/** The manager's notice: no link in it, only that the invite was re-sent and until when it works. */
export function composeManagerNotice(
  templates: InviteTemplates,
  notice: {
    /** The re-issue that went out (attempt 2, or a later one after uncertain re-issues). */
    invite: InviteRef & { attempt: number };
    to: string;
    name: string;
    sentAt: string;
    expiresAt: string;
    timeZone: string;
  },
  domain: string,
): InviteMessage {
  const text = renderTemplate(
    templates.managerNotice,
    {
      name: notice.name,
      sentAt: formatInstant(notice.sentAt, notice.timeZone),
      expiresAt: formatInstant(notice.expiresAt, notice.timeZone),
    },
    'text',
  );
  return {
    messageId: managerNoticeMessageId(notice.invite.inviteId, domain),
    kind: 'manager-notice',
    to: notice.to,
    subject: `${notice.name} has not activated their account yet`,
    text: new SealedText(text),
    html: new SealedText(`<pre style="font-family: sans-serif">${escapeHtml(text)}</pre>`),
    data: {
      source: notice.invite.source,
      key: notice.invite.key,
      identityId: notice.invite.identityId,
      name: notice.name,
      attempt: notice.invite.attempt,
    },
  };
}

function formatInstant(iso: string, zone: string): string {
  const at = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  // The zone's name, not an abbreviation: ICU builds differ ("CEST" vs "GMT+2"), "Europe/Berlin" does not.
  return at.isValid ? `${at.toFormat("d LLLL yyyy 'at' HH:mm")} (${zone})` : iso;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
