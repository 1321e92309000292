import type { Transporter } from 'nodemailer';
import { isLoopbackHost } from '../config/loopback-host.ts';
import type { Secret } from '../config/secret.ts';
import { DeliveryError, NEVER_CONNECTED, type DeliveryChannel, type InviteMessage } from './channel.ts';
import { inviteMail } from './invite-mail.ts';

export interface SmtpChannelOptions {
  host: string;
  port: number;
  /** Implicit TLS (465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /**
   * Without `secure`: refuse to authenticate or send unless STARTTLS succeeds.
   * @defaultValue true, except for a loopback host
   */
  requireTLS?: boolean;
  user?: string;
  password?: Secret;
  from: string;
  /** @defaultValue 30 s for connect/greeting, 60 s for socket inactivity */
  timeoutMs?: number;
}

/** What an operator needs to know when the server would not encrypt the connection. */
const NO_STARTTLS =
  ': the server did not accept STARTTLS, so nothing was sent (no login, no message) because delivery.smtp.requireTLS is on; use a server that offers STARTTLS, implicit TLS (delivery.smtp.secure: true, port 465), or set delivery.smtp.requireTLS: false to send in clear';

/** Codes nodemailer gives to failures that happen before any message data goes on the wire. */
const BEFORE_DATA = new Set(['EENVELOPE', 'EAUTH', 'EDNS', 'ETLS', 'EREQUIRETLS', 'EMESSAGE']);

/** One message as an SMTP mailer sends it (bodies already revealed: the caller decides what is secret). */
export interface OutgoingMail {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  headers?: Record<string, string>;
}

export interface SmtpMailer {
  /** Resolves once the server accepted the message; throws a classified `DeliveryError` otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * The SMTP connection settings in one place (nodemailer), shared by invites and run notifications so both
 * get the same TLS and timeout behaviour.
 */
export function createSmtpMailer(options: SmtpChannelOptions): SmtpMailer {
  const timeout = options.timeoutMs ?? 30_000;
  const requireTLS = options.requireTLS ?? !isLoopbackHost(options.host);
  // nodemailer (about 40 modules) is loaded at the first message, not when the process starts: a sync or a
  // worker that never sends mail does not pay for it. Creating the transport opens no connection either way.
  let transport: Promise<Transporter> | undefined;
  const transportFor = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      // nodemailer then issues STARTTLS right after EHLO and stops if it fails: AUTH and DATA never go in clear.
      requireTLS,
      auth: options.user ? { user: options.user, pass: options.password?.reveal() ?? '' } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
      // nodemailer logs nothing unless asked; keep it that way (its transaction log would contain the body).
      logger: false,
      debug: false,
    });
  };
  return {
    async send(mail) {
      const ready = await (transport ??= transportFor());
      try {
        await ready.sendMail({ from: options.from, ...mail });
      } catch (err) {
        throw classifySmtpError(err, { requireTLS });
      }
    },
    close() {
      void transport?.then(
        (ready) => ready.close(),
        () => {},
      );
    },
  };
}

/** Invites by SMTP (nodemailer): a plain-text part and an HTML part, with a deterministic Message-ID. */
export function createSmtpChannel(options: SmtpChannelOptions): DeliveryChannel {
  const mailer = createSmtpMailer(options);
  return {
    name: 'smtp',
    async send(message: InviteMessage) {
      await mailer.send(inviteMail(message));
      return { messageId: message.messageId };
    },
    async close() {
      mailer.close();
    },
  };
}

/**
 * Certainly not sent: the server answered with a refusal (any reply code, including to the final dot),
 * the failure happened before DATA, or no connection was made. Anything else — a timeout or a connection lost
 * while the message was being transferred — may have been accepted.
 */
function classifySmtpError(err: unknown, settings: { requireTLS?: boolean } = {}): DeliveryError {
  const e = (err ?? {}) as { code?: string; originalCode?: string; responseCode?: number; command?: string };
  let failure = [e.code, e.command, e.responseCode].filter(Boolean).join(' ') || 'unknown';
  if (settings.requireTLS && e.command === 'STARTTLS') failure += NO_STARTTLS;
  const notSent =
    typeof e.responseCode === 'number' ||
    BEFORE_DATA.has(e.code ?? '') ||
    NEVER_CONNECTED.has(e.originalCode ?? e.code ?? '');
  return new DeliveryError('smtp', failure, notSent);
}
