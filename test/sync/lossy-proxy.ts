import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of the simulator that loses answers: the request reaches Kratos and is applied,
 * but the client's connection is destroyed before the response arrives — a create that "timed out but
 * succeeded". Everything else is passed through untouched.
 */
export interface LossyProxy {
  url: string;
  /** How many answers were lost so far. */
  lost(): number;
  stop(): Promise<void>;
}

export async function startLossyProxy(
  target: string,
  options: {
    lose: (method: string, path: string) => boolean;
    times: number;
    /** Runs before a request is passed on (e.g. to make an identity appear between listing and creating). */
    before?: (method: string, path: string) => Promise<void>;
  },
): Promise<LossyProxy> {
  let lost = 0;
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      await options.before?.(req.method ?? '', req.url ?? '');
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            if (lost < options.times && options.lose(req.method ?? '', req.url ?? '')) {
              lost += 1;
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lost: () => lost,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
