import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotice {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as signed. */
  body: string;
}

export interface NoticeReceiver {
  /** `http://127.0.0.1:<port>/services/T0/B0/<token>` — shaped like a Slack incoming-webhook URL. */
  url: string;
  /** The path segment a Slack URL keeps secret (must never reach a log). */
  token: string;
  received: ReceivedNotice[];
  /** Answer every request with this status from now on. */
  answer(status: number): void;
  stop(): Promise<void>;
}

/** A real HTTP server standing in for a Slack incoming webhook (or any receiver): keeps what it got. */
export async function startNoticeReceiver(): Promise<NoticeReceiver> {
  const received: ReceivedNotice[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = status;
      // Slack answers a plain `ok`; an error answer names the problem (e.g. `invalid_payload`).
      res.end(status === 200 ? 'ok' : 'internal_error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const token = 'XXslackTOKENforTESTS0123';
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/services/T0000/B0000/${token}`,
    token,
    received,
    answer(code) {
      status = code;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
