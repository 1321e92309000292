import type { SyncErrorCode } from '../errors/catalogue.ts';
import type { Secret } from '../config/secret.ts';
import type { SealedText } from './sealed-text.ts';

/**
 * A way to hand an invite to the new hire: SMTP, a signed HTTP webhook into the company's own mailer, or a
 * local outbox folder (development). The link travels inside the message as a `Secret` and is revealed only
 * at the moment the channel writes it onto the wire.
 */
export interface InviteMessage {
  /** Deterministic per invite and attempt (`<invite.…@host>`): a duplicate is recognisable by it. */
  messageId: string;
  kind: 'invite' | 'manager-notice';
  to: string;
  subject: string;
  /** Plain-text and HTML bodies; they contain the link, so they are secrets too. */
  text: SealedText;
  html: SealedText;
  /** Structured fields for webhook receivers (which render their own message). */
  data: {
    source: string;
    key: string;
    identityId: string;
    name: string;
    link?: Secret;
    code?: Secret;
    expiresAt?: string;
    attempt: number;
  };
}

export interface DeliveryChannel {
  readonly name: 'smtp' | 'webhook' | 'outbox';
  /** Resolves once the channel has accepted the message. Throws a `DeliveryError` otherwise. */
  send(message: InviteMessage): Promise<{ messageId: string }>;
  /**
   * Whether a message with this id has certainly gone out (true) or certainly not (false); undefined when
   * the channel cannot tell (SMTP, webhook: nothing to ask afterwards).
   */
  wasSent?(messageId: string): Promise<boolean | undefined>;
  close(): Promise<void>;
}

/**
 * A failed hand-over. `notSent` is true only when the channel certainly did not take the message (the server
 * refused it, or no connection was ever made); only then may a new link be sent. Otherwise (a timeout or a
 * connection lost mid-transfer) it may have gone out, and the invite is marked uncertain instead of resent.
 * The message names the channel and the failure code only: never the recipient or the body.
 */
/** Socket error codes that mean no connection was ever made, so nothing can have been delivered. */
export const NEVER_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly code: SyncErrorCode = 'SYNC_ERR_DELIVERY_FAILED';
  readonly channel: string;
  readonly notSent: boolean;
  readonly failure: string;

  constructor(channel: string, failure: string, notSent: boolean) {
    super(`${channel} delivery failed (${failure}); ${notSent ? 'not sent' : 'may have been sent'}`);
    this.channel = channel;
    this.failure = failure;
    this.notSent = notSent;
  }
}
