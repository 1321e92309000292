import { errorReply } from './herodot.ts';
import { textReply } from './replies.ts';
import type { FaultKind } from './stats.ts';
import type { Profile } from './profiles.ts';
import type { Faults, Reply } from './types.ts';

/**
 * Decides, per Kratos request, whether the simulated network/edge misbehaves: a Kratos that is down,
 * dropped sockets, hangs, 5xx, Ory Network 429s (random, in-flight rule, per-minute write budget).
 * Random faults use a seeded generator so fault tests are repeatable.
 */
export type FaultDecision =
  | { kind: 'none'; headers?: Record<string, string> }
  | { kind: 'hang'; fault: FaultKind }
  | { kind: 'drop'; fault: FaultKind }
  | { kind: 'reply'; reply: Reply; fault: FaultKind };

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class FaultEngine {
  faults: Faults = {};
  #random: () => number;
  #inflightPaths = new Map<string, number>();
  #budgetWindow = -1;
  #budgetUsed = 0;

  constructor(seed: number | undefined) {
    this.#random = seed === undefined ? Math.random : mulberry32(seed);
  }

  set(faults: Faults): void {
    this.faults = { ...faults };
  }

  decide(method: string, path: string, routeKey: string, api: Profile, nowMs: number): FaultDecision {
    const f = this.faults;
    if (f.unavailable)
      return { kind: 'reply', reply: textReply(503, 'no healthy upstream'), fault: 'unavailable' };
    if (f.databaseDown) {
      const reply = databaseDownReply(routeKey, api);
      if (reply) return { kind: 'reply', reply, fault: 'databaseDown' };
    }
    const budgetHeaders = this.#budget(method, path, nowMs);
    if (budgetHeaders?.exhausted)
      return { kind: 'reply', reply: rateLimited(api, budgetHeaders.headers), fault: 'budgetRejected' };
    if (this.#inScope(routeKey)) {
      if (this.#roll(f.dropRate)) return { kind: 'drop', fault: 'dropped' };
      if (this.#roll(f.hangRate)) return { kind: 'hang', fault: 'hung' };
      if (this.#roll(f.errorRate)) return { kind: 'reply', reply: this.#serverError(api), fault: 'error' };
      if (this.#roll(f.rateLimitRate)) {
        const headers: Record<string, string> = {
          'x-ratelimit-limit': '10, 10;w=1, 300;w=60',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '1',
        };
        if (f.retryAfterSeconds !== undefined) headers['retry-after'] = String(f.retryAfterSeconds);
        return { kind: 'reply', reply: rateLimited(api, headers), fault: 'rateLimited' };
      }
    }
    return budgetHeaders ? { kind: 'none', headers: budgetHeaders.headers } : { kind: 'none' };
  }

  /**
   * Ory Network blocks concurrent requests sharing `{project}+{full path}`: POST/PATCH /admin/identities
   * (one create or batch per project), and writes on one identity. Returns false when the slot is taken.
   */
  tryEnterInflight(method: string, path: string): boolean {
    if (!this.faults.inflightLimit || !inflightGuarded(method, path)) return true;
    const key = inflightKey(path);
    if ((this.#inflightPaths.get(key) ?? 0) > 0) return false;
    this.#inflightPaths.set(key, 1);
    return true;
  }

  leaveInflight(method: string, path: string): void {
    if (!inflightGuarded(method, path)) return;
    this.#inflightPaths.delete(inflightKey(path));
  }

  inflightReply(api: Profile): Reply {
    return rateLimited(
      api,
      {},
      'Too many concurrent requests for this path; wait for the request in flight.',
    );
  }

  #budget(method: string, path: string, nowMs: number) {
    const budget = this.faults.writeBudget;
    if (!budget || !WRITE_METHODS.has(method) || !isAdminPath(path)) return undefined;
    const window = Math.floor(nowMs / 60_000);
    if (window !== this.#budgetWindow) {
      this.#budgetWindow = window;
      this.#budgetUsed = 0;
    }
    const exhausted = this.#budgetUsed >= budget.perMinute;
    if (!exhausted) this.#budgetUsed++;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': `${budget.perMinute}, ${budget.perMinute};w=60`,
      'x-ratelimit-remaining': String(Math.max(0, budget.perMinute - this.#budgetUsed)),
      'x-ratelimit-reset': String(Math.max(1, Math.ceil(((window + 1) * 60_000 - nowMs) / 1000))),
    };
    if (exhausted && this.faults.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(this.faults.retryAfterSeconds);
    return { exhausted, headers };
  }

  #inScope(routeKey: string): boolean {
    const routes = this.faults.routes;
    if (!routes || routes.length === 0) return true;
    const template = routeKey.slice(routeKey.indexOf(' ') + 1);
    return routes.some((r) => r === routeKey || r === template);
  }

  #roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.#random() < rate;
  }

  #serverError(api: Profile): Reply {
    const status = this.faults.errorStatus ?? [500, 502, 503, 504][Math.floor(this.#random() * 4)]!;
    // A 500 comes from Kratos itself (herodot JSON); 502/503/504 come from the proxy in front of it (text).
    if (status === 500)
      return errorReply(
        {
          status: 500,
          message: 'An internal server error occurred, please contact the system administrator',
        },
        api,
      );
    const text: Record<number, string> = {
      502: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
      503: 'no healthy upstream',
      504: 'upstream request timeout',
    };
    return textReply(status, text[status] ?? `simulated ${status}`);
  }
}

/** ory/x `healthx`: readiness fails with the release's body; everything that needs the database 500s. */
function databaseDownReply(routeKey: string, api: Profile): Reply | undefined {
  const template = routeKey.slice(routeKey.indexOf(' ') + 1);
  if (template.endsWith('/health/alive') || template.startsWith('(')) return undefined;
  if (template.endsWith('/health/ready')) {
    const detail = template.startsWith('/admin/')
      ? 'failed to connect to `host=db user=kratos database=kratos`: dial error'
      : 'error may contain sensitive information and was obfuscated';
    if (api.readyBody === 'errors-map')
      return {
        status: 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errors: { database: detail } }),
      };
    return errorReply({ status: 503, bodyCode: 500, message: detail }, api);
  }
  return errorReply(
    { status: 500, message: 'An internal server error occurred, please contact the system administrator' },
    api,
  );
}

function rateLimited(api: Profile, headers: Record<string, string>, reason = 'Rate limit exceeded'): Reply {
  const reply = errorReply({ status: 429, message: 'Too Many Requests', reason }, api);
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

function isAdminPath(path: string): boolean {
  return path.startsWith('/admin/') || path.startsWith('/identities') || path.startsWith('/recovery/');
}

function inflightGuarded(method: string, path: string): boolean {
  const p = path.startsWith('/admin/') ? path : `/admin${path}`;
  if (method === 'POST' || method === 'PATCH') if (p === '/admin/identities') return true;
  if (!['PUT', 'PATCH', 'DELETE'].includes(method)) return false;
  return /^\/admin\/identities\/[^/]+(\/sessions|\/credentials\/[^/]+)?$/.test(p);
}

function inflightKey(path: string): string {
  return path.startsWith('/admin/') ? path : `/admin${path}`;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
