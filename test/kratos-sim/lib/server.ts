import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimContext } from './context.ts';
import type { FaultEngine } from './faults.ts';
import type { Profile } from './profiles.ts';
import { errorReply, KratosHttpError, MSG } from './herodot.ts';
import { readBody } from './replies.ts';
import { BodyTooLargeError } from './strict-decode.ts';
import { type RequestInfo, type Resolution, Router } from './router.ts';
import type { StatsRecorder } from './stats.ts';
import type { Reply } from './types.ts';

/**
 * The HTTP layer: resolves a request (test routes first, then Kratos routes with the generation's router
 * rules), lets the fault engine intervene on Kratos routes, runs the handler, counts the outcome, writes.
 */
/**
 * Marks answers made by the fault layer (not by Kratos) so the simulator's own spec checks can tell them
 * apart. Real servers never send it; clients must not read it.
 */
const FAULT_HEADER = 'x-kratos-sim-fault';

export interface ServerParts {
  ctx: SimContext;
  kratos: Router;
  sim: Router;
  faults: FaultEngine;
  stats: StatsRecorder;
}

export function createSimServer(parts: ServerParts): Server {
  // Go's http.Server accepts 1 MiB of request headers (Node: 16 KiB); `ids=` filters need the room.
  const server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    handle(parts, req, res).catch((err: unknown) => {
      // A handler bug must still answer, or the client would hang like an injected fault.
      if (!res.headersSent) write(res, errorReply({ status: 500, message: String(err) }, parts.ctx.profile));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = parts;
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const search = q === -1 ? '' : rawUrl.slice(q);

  if (path.startsWith('/_sim/')) {
    const resolved = parts.sim.resolve(method, path, search, ctx.profile, ctx.baseUrl);
    write(res, await run(parts, req, resolved, search));
    return;
  }

  const resolved = parts.kratos.resolve(method, path, search, ctx.profile, ctx.baseUrl);
  const decision = parts.faults.decide(method, path, resolved.key, ctx.profile, ctx.now());
  if (decision.kind === 'hang') {
    parts.stats.fault(decision.fault);
    req.resume();
    return; // never answered; stop() closes the socket
  }
  const latency = parts.faults.faults.latencyMs ?? 0;
  if (decision.kind === 'drop') {
    parts.stats.fault(decision.fault);
    if (latency > 0) await sleep(latency);
    req.socket.destroy();
    return;
  }
  if (decision.kind === 'reply') {
    parts.stats.fault(decision.fault);
    decision.reply.headers = { ...decision.reply.headers, [FAULT_HEADER]: decision.fault };
    if (latency > 0) await sleep(latency);
    parts.stats.record(resolved.key, decision.reply.status);
    write(res, decision.reply);
    return;
  }
  if (
    ctx.adminToken !== undefined &&
    resolved.kind === 'route' &&
    resolved.route.template.startsWith('/admin/')
  ) {
    if (req.headers.authorization !== `Bearer ${ctx.adminToken}`) {
      parts.stats.fault('unauthorized');
      const reply = errorReply({ status: 401, message: 'The request could not be authorized' }, ctx.profile);
      reply.headers = { ...reply.headers, [FAULT_HEADER]: 'unauthorized' };
      parts.stats.record(resolved.key, reply.status);
      req.resume();
      write(res, reply);
      return;
    }
  }
  if (!parts.faults.tryEnterInflight(method, path)) {
    parts.stats.fault('inflightRejected');
    const reply = parts.faults.inflightReply(ctx.profile);
    reply.headers = { ...reply.headers, [FAULT_HEADER]: 'inflightRejected' };
    parts.stats.record(resolved.key, reply.status);
    write(res, reply);
    return;
  }
  parts.stats.enter(resolved.key);
  try {
    if (latency > 0) await sleep(latency);
    const reply = await run(parts, req, resolved, search);
    if (decision.headers) reply.headers = { ...reply.headers, ...decision.headers };
    if (sendsCacheControl(ctx.profile, method, resolved))
      reply.headers = { ...reply.headers, 'cache-control': 'private, no-cache, no-store, must-revalidate' };
    parts.stats.record(resolved.key, reply.status);
    write(res, reply);
  } finally {
    parts.stats.leave(resolved.key);
    parts.faults.leaveInflight(method, path);
  }
}

async function run(
  parts: ServerParts,
  req: IncomingMessage,
  resolved: Resolution,
  search: string,
): Promise<Reply> {
  const { ctx } = parts;
  if (resolved.kind === 'reply') {
    req.resume();
    return resolved.reply;
  }
  const requestId = req.headers['x-request-id'];
  let bodyPromise: Promise<string> | undefined;
  const info: RequestInfo = {
    method: req.method ?? 'GET',
    path: resolved.route.template,
    params: resolved.params,
    query: new URLSearchParams(search),
    headers: req.headers,
    body: () => (bodyPromise ??= readBody(req, ctx.profile.bodyLimitBytes)),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
  try {
    const reply = await resolved.route.handler(ctx, info);
    if (!bodyPromise) req.resume();
    return reply;
  } catch (err) {
    if (!bodyPromise) req.resume();
    if (err instanceof KratosHttpError) return errorReply(err.error, ctx.profile, info.requestId);
    // Handlers with a strict decoder answer this in their own form; the others decode through ory/x
    // decoderx (or read the raw body), which reports it as a JSON payload it could not decode.
    if (err instanceof BodyTooLargeError)
      return errorReply(
        { status: 400, message: MSG.badRequest, reason: `Unable to decode JSON payload: ${err.message}` },
        ctx.profile,
        info.requestId,
      );
    throw err;
  }
}

/** Only matched routes get it: the router's own 404/405 answers never pass the no-cache wrapper. */
function sendsCacheControl(profile: Profile, method: string, resolved: Resolution): boolean {
  if (resolved.kind !== 'route') return false;
  if (profile.cacheControl === 'every-method') return true;
  return profile.cacheControl === 'get' && method === 'GET';
}

function write(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | string[]> = { ...reply.headers };
  if (reply.body !== undefined) headers['content-length'] = String(Buffer.byteLength(reply.body));
  else if (reply.status !== 204 && reply.status !== 304) headers['content-length'] = '0';
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export { Router };
