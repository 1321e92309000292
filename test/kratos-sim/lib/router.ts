import type { IncomingHttpHeaders } from 'node:http';
import type { SimContext } from './context.ts';
import { methodNotAllowed, pageNotFound, redirect } from './replies.ts';
import type { Profile } from './profiles.ts';
import type { Reply } from './types.ts';

/**
 * Route table and the Go routers' rules (julienschmidt/httprouter, net/http ServeMux): unknown paths get Go's plain-text 404,
 * known paths with an unknown method get 405 with `Allow`. Admin and public routes share one port here,
 * so an unprefixed admin path is treated the way each release treats it on its admin port: v26 adds
 * `/admin` internally, older releases answer 307 to the `/admin/...` path (`profile.unprefixedAdmin`).
 */
export interface RequestInfo {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The echo of `X-Request-ID`, for herodot's `request` field. */
  requestId?: string;
  body: () => Promise<string>;
}

export type Handler = (ctx: SimContext, req: RequestInfo) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  template: string;
  /** Whether the imitated release registers the route; absent = every release. */
  when?: (profile: Profile) => boolean;
  handler: Handler;
}

export type Resolution =
  | { kind: 'route'; route: Route; params: Record<string, string>; key: string }
  | { kind: 'reply'; reply: Reply; key: string };

interface CompiledRoute extends Route {
  segments: string[];
}

export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: Route[], profile: Profile) {
    this.#routes = routes
      .filter((r) => r.when === undefined || r.when(profile))
      .map((r) => ({ ...r, segments: r.template.split('/').slice(1) }));
  }

  resolve(method: string, path: string, search: string, profile: Profile, baseUrl: string): Resolution {
    const direct = this.#match(method, path);
    if (direct.kind === 'route' || direct.allowed.length > 0) return this.#finish(method, direct);
    if (!path.startsWith('/admin/') && path !== '/admin') {
      const prefixed = this.#match(method, `/admin${path}`);
      if (prefixed.kind === 'route' || prefixed.allowed.length > 0) {
        if (profile.unprefixedAdmin === 'rewrite') return this.#finish(method, prefixed);
        return {
          kind: 'reply',
          reply: redirect(307, `${baseUrl}/admin${path}${search}`, method),
          key: `${method} (redirect to /admin)`,
        };
      }
    }
    return { kind: 'reply', reply: pageNotFound(), key: `${method} (unmatched)` };
  }

  #finish(method: string, m: MatchResult): Resolution {
    if (m.kind === 'route')
      return { kind: 'route', route: m.route, params: m.params, key: `${method} ${m.route.template}` };
    return { kind: 'reply', reply: methodNotAllowed(m.allowed), key: `${method} ${m.template}` };
  }

  #match(method: string, path: string): MatchResult {
    const segments = path.split('/').slice(1);
    const allowed: string[] = [];
    let template = '';
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'route', route, params };
      allowed.push(route.method);
      template = route.template;
    }
    return { kind: 'none', allowed, template };
  }
}

type MatchResult =
  | { kind: 'route'; route: Route; params: Record<string, string> }
  | { kind: 'none'; allowed: string[]; template: string };

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith('{')) {
      if (a === '') return undefined;
      params[p.slice(1, -1)] = decodeURIComponent(a);
    } else if (p !== a) return undefined;
  }
  return params;
}
