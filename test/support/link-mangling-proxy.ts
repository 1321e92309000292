import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LinkManglingProxy {
  url: string;
  /**
   * `badLink`: the `Link` header to send instead of the real one (nothing is changed while it is empty);
   * `listCalls`: `GET`s of the list path seen since it was last set to 0.
   */
  state: { badLink: string; listCalls: number };
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of one of the simulator's ports (a gateway between kratos-sync and Kratos):
 * every answer is the simulator's own, except that the `Link` header of the `mangledPage`th answer to a
 * `GET` of `listPath` becomes `state.badLink`.
 */
export async function startLinkManglingProxy(
  target: string,
  listPath: string,
  mangledPage: number,
): Promise<LinkManglingProxy> {
  const state = { badLink: '', listCalls: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers.set(name, value);
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const answer = await fetch(new URL(req.url ?? '/', target), {
          method: req.method,
          headers,
          ...(body && req.method !== 'GET' ? { body } : {}),
        });
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
            out[name] = value;
        });
        const isList = req.method === 'GET' && new URL(req.url ?? '/', target).pathname === listPath;
        if (isList && ++state.listCalls === mangledPage && state.badLink !== '') out.link = state.badLink;
        res.writeHead(answer.status, out);
        res.end(Buffer.from(await answer.arrayBuffer()));
      })().catch(() => res.socket?.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
