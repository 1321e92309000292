import type { Redis } from 'ioredis';
import type { KratosSim } from '../../kratos-sim/index.ts';

/** Every key under `pattern` with its value, whatever the type (SCAN + a dump per type). */
export async function dumpRedis(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) out.push(`${key} => ${await dumpValue(redis, key)}`);
  } while (cursor !== '0');
  return out;
}

async function dumpValue(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return `(${type})`;
  }
}

/** Every secret the simulator has handed out so far: recovery tokens and codes (sessions are collected by the test). */
export function simSecrets(sim: KratosSim): string[] {
  const secrets: string[] = [];
  for (const flow of sim.state.recoveryFlows.values()) {
    if (flow.token) secrets.push(flow.token);
    if (flow.code) secrets.push(flow.code);
  }
  for (const session of sim.state.sessions.values()) secrets.push(session.token);
  return secrets;
}

/** Lines of `texts` that contain any of `secrets` (digits-only secrets must stand alone) or a link/token shape. */
export function findLeaks(texts: Iterable<string>, secrets: Iterable<string>): string[] {
  const patterns = [...new Set(secrets)].map((secret) =>
    /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`) : new RegExp(escape(secret)),
  );
  patterns.push(/[?&]token=[\w-]{8,}/, /ory_st_[\w-]{8,}/, /recovery_(link|code)"\s*:\s*"[^"[]/);
  const leaks: string[] = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (patterns.some((p) => p.test(line))) leaks.push(line.slice(0, 300));
    }
  }
  return leaks;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Everything the harness logged and everything under its Redis prefix, checked against every secret the simulator issued. */
export async function leaksIn(
  h: { sim: KratosSim; redis: Redis; prefix: string; logLines: string[] },
  extraSecrets: Iterable<string> = [],
): Promise<string[]> {
  return findLeaks(
    [...h.logLines, ...(await dumpRedis(h.redis, `${h.prefix}*`))],
    [...simSecrets(h.sim), ...extraSecrets],
  );
}
