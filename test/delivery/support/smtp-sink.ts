import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message as the SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone (good enough to find a link). */
  decoded: string;
  messageId: string | undefined;
}

export interface SmtpSink {
  port: number;
  messages: ReceivedMail[];
  /** Refuse recipients with this SMTP reply code (e.g. 550) until set back to null. */
  rejectRecipients(code: number | null): void;
  /** Drop the connection once the whole message arrived, without answering the final dot. */
  dropAfterData(drop: boolean): void;
  /** Keep the message unanswered once it arrived (the client waits for the reply to the final dot). */
  holdAfterData(hold: boolean): void;
  /** Messages whose data arrived and are held unanswered. */
  held: number;
  /** Messages whose data arrived but were dropped unanswered (they may count as delivered). */
  dropped: number;
  /** AUTH exchanges the server received, with the method used and whether the connection was encrypted. */
  auths: Array<{ method: string; username: string; secure: boolean }>;
  stop(): Promise<void>;
}

interface ConnectionInternals {
  session: { id: string };
  _socket: { destroy(): void };
}

/** A real SMTP server (smtp-server) on a free port that keeps every message it accepts. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let rejectCode: number | null = null;
  let drop = false;
  let dropped = 0;
  let hold = false;
  let held = 0;
  const auths: SmtpSink['auths'] = [];
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    // Like the careless relay the sink stands for: no STARTTLS, and AUTH accepted over plain text.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, session, callback) {
      auths.push({ method: auth.method, username: auth.username ?? '', secure: session.secure });
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, _session, callback) {
      if (rejectCode === null) return callback();
      callback(Object.assign(new Error('mailbox unavailable'), { responseCode: rejectCode }));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (drop) {
          dropped++;
          for (const connection of connectionsOf(server)) {
            if (connection.session.id === session.id) connection._socket.destroy();
          }
          return;
        }
        if (hold) {
          held++;
          return; // never answered: the message is not accepted
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          decoded: decodeQuotedPrintable(raw),
          messageId: /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1],
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    get dropped() {
      return dropped;
    },
    auths,
    rejectRecipients: (code) => {
      rejectCode = code;
    },
    dropAfterData: (value) => {
      drop = value;
    },
    holdAfterData: (value) => {
      hold = value;
    },
    get held() {
      return held;
    },
    async stop() {
      for (const connection of connectionsOf(server)) connection._socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function connectionsOf(server: SMTPServer): Set<ConnectionInternals> {
  return (server as unknown as { connections: Set<ConnectionInternals> }).connections;
}

export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Every recovery link in a message (the simulator's links are …/self-service/recovery?flow=…&token=…). */
export function linksIn(mail: { decoded: string }): string[] {
  const found = mail.decoded.match(
    /https?:\/\/[^\s"'<>]+\/self-service\/recovery\?flow=[\w-]+&(?:amp;)?token=[\w-]+/g,
  );
  return [...new Set((found ?? []).map((link) => link.replace(/&amp;/g, '&')))];
}
