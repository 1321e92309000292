/**
 * Failed HTTP Basic logins counted per client address, so the console and the queue dashboard cannot be
 * brute-forced: after `maxFailures` wrong passwords within `windowMs` a client is refused (429, even with the
 * right password) until that window, counted from its first failure, has passed. A success clears the count.
 * Held in memory, per process: a restart or another replica starts from zero, which slows a guesser down
 * without ever locking the operator out for long. Behind a reverse proxy every client has the proxy's
 * address, so one guesser also delays the others (the safe side), unless `http.trustProxy` names the proxy:
 * then fastify reads the client's address from the proxy's `X-Forwarded-For` and each client is counted apart.
 */
export interface LoginThrottle {
  /** Milliseconds until this client may try again; 0 when it may try now. */
  blockedFor(client: string): number;
  failed(client: string): void;
  succeeded(client: string): void;
}

export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  now: () => number;
  /** Clients remembered at once; the oldest are forgotten first. @defaultValue 10 000 */
  maxClients?: number;
}

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { maxFailures, windowMs, now } = options;
  const maxClients = options.maxClients ?? 10_000;
  const clients = new Map<string, { failures: number; since: number }>();
  const current = (client: string) => {
    const entry = clients.get(client);
    if (entry && now() - entry.since >= windowMs) {
      clients.delete(client);
      return undefined;
    }
    return entry;
  };
  return {
    blockedFor(client) {
      const entry = current(client);
      return entry && entry.failures >= maxFailures ? entry.since + windowMs - now() : 0;
    },
    failed(client) {
      const entry = current(client);
      if (entry) {
        entry.failures += 1;
        return;
      }
      if (clients.size >= maxClients) clients.delete(clients.keys().next().value!);
      clients.set(client, { failures: 1, since: now() });
    },
    succeeded(client) {
      clients.delete(client);
    },
  };
}

/** The throttle `http.auth` configures. */
export function loginThrottleFor(
  auth: { maxFailedLogins?: number; failedLoginWindow?: number },
  now: () => number,
): LoginThrottle {
  return createLoginThrottle({
    maxFailures: auth.maxFailedLogins ?? 10,
    windowMs: auth.failedLoginWindow ?? 15 * 60_000,
    now,
  });
}
