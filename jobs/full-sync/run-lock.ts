import { SyncError } from '../../src/errors/catalogue.ts';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { engineKeys } from '../../src/store/keys.ts';

/**
 * The source's full-sync lock (the engine's key, so `kratos-sync sync` by hand and a queued run exclude each
 * other) held by a run that spans processes: taken when the run is planned, renewed by every apply chunk as
 * it starts and while it works, released when the report is finished. Its token is derived from the run id,
 * so whichever process works on the run can renew or release it; a run whose processes all died lets it
 * expire after `ttlMs`.
 */
export interface RunLock {
  take(): Promise<void>;
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

const TAKE = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'OK'
end
return current`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export function runLock(options: {
  redis: RedisClient;
  prefix: string;
  source: string;
  runId: string;
  ttlMs: number;
}): RunLock {
  const key = engineKeys(options.prefix).syncLock(options.source);
  // The engine's lock values read `<holder>:<random>`; ours is fixed per run so any process can renew it.
  const token = `${options.runId}:queue`;
  return {
    async take() {
      const answer = await options.redis.eval(TAKE, 1, key, token, options.ttlMs);
      if (answer === 'OK') return;
      const holder = String(answer).split(':')[0];
      throw new SyncError(
        'SYNC_ERR_RUN_LOCKED',
        `source "${options.source}" is already being synced (lock held by ${holder}); the run waits for it`,
        { details: { source: options.source } },
      );
    },
    async renew() {
      return Number(await options.redis.eval(RENEW, 1, key, token, options.ttlMs)) === 1;
    },
    async release() {
      await options.redis.eval(RELEASE, 1, key, token);
    },
  };
}
