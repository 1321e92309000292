import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from '../../src/http/lazy-request-logger.ts';
import { captureLogs } from '../support/capture-logs.ts';

/** A fastify app with the lazy request logger over a real pino logger; counts the children it builds. */
async function appLoggingAt(level: string) {
  const captured = captureLogs(level);
  let children = 0;
  const child = captured.logger.child.bind(captured.logger);
  captured.logger.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof captured.logger.child;
  const app = Fastify({
    loggerInstance: captured.logger as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
  });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/warns', async (request) => {
    request.log.warn({ detail: 7 }, 'something to look at');
    request.log.debug('below the level');
    return { ok: true };
  });
  app.get('/route-debug', { logLevel: 'debug' }, async (request) => {
    request.log.debug('the route asked for debug');
    return { ok: true };
  });
  app.get('/fails', async () => {
    throw new Error('boom in the handler');
  });
  await app.ready();
  children = 0; // fastify builds one for itself at start-up; only the requests' are counted
  const entries = () => captured.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app, entries, children: () => children };
}

describe('per-request logger built only when a request logs', () => {
  it('at warn, a request that logs nothing builds no child logger and writes nothing', async () => {
    const { app, entries, children } = await appLoggingAt('warn');
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
    expect(children()).toBe(0);
    expect(entries()).toEqual([]);
    await app.close();
  });

  it('a warning from the handler carries the request id, as a plain child logger’s would; levels below are dropped', async () => {
    const { app, entries, children } = await appLoggingAt('warn');
    await app.inject({ url: '/quiet' });
    await app.inject({ url: '/warns' });
    expect(children()).toBe(1);
    const logged = entries();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'warn',
      reqId: 'req-2',
      detail: 7,
      msg: 'something to look at',
    });
    await app.close();
  });

  it('at info, fastify’s own request lines carry the request id of each request', async () => {
    const { app, entries } = await appLoggingAt('info');
    await app.inject({ url: '/quiet' });
    await app.inject({ url: '/quiet' });
    const lines = entries().map((e) => [e.reqId, e.msg]);
    expect(lines).toEqual([
      ['req-1', 'incoming request'],
      ['req-1', 'request completed'],
      ['req-2', 'incoming request'],
      ['req-2', 'request completed'],
    ]);
    await app.close();
  });

  it('a route’s own logLevel still lowers the level for its requests', async () => {
    const { app, entries } = await appLoggingAt('warn');
    await app.inject({ url: '/route-debug' });
    expect(entries().map((e) => e.msg)).toContain('the route asked for debug');
    await app.close();
  });

  it('an error in a handler is logged with its request id', async () => {
    const { app, entries } = await appLoggingAt('warn');
    expect((await app.inject({ url: '/fails' })).statusCode).toBe(500);
    const errors = entries().filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reqId: 'req-1', err: { message: 'boom in the handler' } });
    await app.close();
  });
});
