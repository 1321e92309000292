import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

// Taken with getBuiltinModule, not `import`: Node's ES-module face of `node:http` reads every export, and
// its lazy `WebSocket`/`CloseEvent`/`MessageEvent` getters then load Node's own copy of undici (~35 ms of CPU, measured).
const http = process.getBuiltinModule('node:http');

/**
 * The Kratos client's keep-alive connection pool, on Node's own `http`/`https` agents.
 *
 * Why not undici: the client needs one request at a time per connection, a pool per origin, a deadline and
 * the whole body — all of which Node's agents do. undici's Agent cost every sync's start-up ~25 modules,
 * `node:http2`, and a WebAssembly compile of its HTTP parser on the first request (bench/RESULTS.md,
 * "Start-up: Kratos client on Node's http"); Node's parser is native and already in the binary.
 *
 * - `connections` caps the sockets per origin (Node's `maxSockets` is per host and port, as undici's
 *   `connections` is per origin); requests beyond it wait in the agent's queue.
 * - An idle socket is closed after 4 s (undici's default keep-alive timeout), or sooner when the server's
 *   `Keep-Alive: timeout=…` says so (Node's agent reads that hint), so a reused socket is rarely one the
 *   server is closing. The agent's socket timeout only destroys sockets in the free list
 *   (`_http_agent.js`, `installListeners`/`onTimeout`): a request in flight is bounded by the caller's
 *   `signal` alone.
 * - The `signal` covers connecting, sending and reading the whole body: on abort the request is destroyed
 *   and the promise rejects with Node's AbortError.
 * - `https:` origins get an https agent, created on first use (a plain-HTTP deployment never loads TLS for
 *   it).
 */
export interface PoolRequest {
  origin: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface PoolResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The whole body. */
  body: Buffer;
}

export interface ConnectionPool {
  request(options: PoolRequest): Promise<PoolResponse>;
  /** Waits for the requests in flight, then closes every socket. */
  close(): Promise<void>;
}

const IDLE_SOCKET_MS = 4_000;

export function createConnectionPool(options: { connections: number }): ConnectionPool {
  const agentOptions = { keepAlive: true, maxSockets: options.connections, timeout: IDLE_SOCKET_MS };
  const plain = new http.Agent(agentOptions);
  let secure: HttpsAgent | undefined;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  const agentFor = (protocol: string): HttpAgent => {
    if (protocol === 'http:') return plain;
    if (protocol !== 'https:') throw new Error(`unsupported protocol ${protocol}`);
    secure ??= new (process.getBuiltinModule('node:https').Agent)(agentOptions);
    return secure;
  };

  function exchange(options: PoolRequest): Promise<PoolResponse> {
    // The path is sent as given, never resolved against the origin: `//host/x` resolved would be a URL to
    // another host, which would then get the admin origin's headers and token.
    const url = new URL(options.origin);
    const transport = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : http;
    return new Promise<PoolResponse>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          path: options.path,
          method: options.method,
          headers: options.headers,
          agent: agentFor(url.protocol),
          signal: options.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          // A connection closed before the body's end ('aborted', then 'close' without 'end').
          res.on('close', () => {
            if (!res.complete)
              reject(Object.assign(new Error('response closed early'), { code: 'ECONNRESET' }));
          });
          res.on('end', () =>
            resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  return {
    async request(options) {
      inFlight++;
      try {
        return await exchange(options);
      } finally {
        inFlight--;
        if (inFlight === 0) drained?.();
      }
    },
    close() {
      // One wait for every caller: a second close() must not replace the first one's resolver.
      closing ??= (async () => {
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        plain.destroy();
        secure?.destroy();
      })();
      return closing;
    },
  };
}
