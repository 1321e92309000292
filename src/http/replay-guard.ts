import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from '../queue/redis-connection.ts';
import { runtimeKeys } from '../queue/runtime-keys.ts';
import { redisLock } from '../store/redis-lock.ts';

/**
 * Remembers accepted webhook signatures for as long as their timestamp could still pass the freshness
 * check (twice the tolerance covers a timestamp at the far edge in either direction), so a captured request
 * sent again is refused. Only a hash of the signature is stored. Shared by every replica through Redis.
 *
 * Only an accepted request counts. A request is first *claimed* (a short-lived marker naming this attempt),
 * then either *accepted* (the marker becomes the replay record) or *released* (the marker is removed, if it
 * is still this attempt's), so a request answered 503 — the queue could not take it — can be sent again
 * and is accepted then. A second delivery of the same request while the first is still being handled
 * finds the claim and is told to retry: it is not a replay of an accepted request (yet), and answering 409
 * would lose the event if the first attempt then failed.
 */
export interface ReplayGuard {
  claim(source: string, digest: string, toleranceSeconds: number): Promise<ReplayClaim>;
}

export type ReplayClaim =
  | {
      status: 'claimed';
      /** The request was accepted: remember it for the replay window. */
      accept(): Promise<void>;
      /** The request was not accepted: forget the claim so a retry of it is taken. */
      release(): Promise<void>;
    }
  /** This signed request was accepted before. */
  | { status: 'accepted' }
  /** The same request is being handled right now (another delivery, maybe on another replica). */
  | { status: 'in-flight' };

/**
 * How long a claim lives when its holder never accepts or releases it (the process died mid-request). Far
 * longer than handling a webhook takes (the producer connection fails fast), short enough that the
 * sender's retry, within the signature's tolerance, is taken.
 */
const CLAIM_SECONDS = 30;

const CLAIMED = 'claimed:';
const ACCEPTED = 'accepted';

export function createReplayGuard(redis: RedisClient, prefix: string): ReplayGuard {
  const keys = runtimeKeys(prefix);
  return {
    async claim(source, digest, toleranceSeconds) {
      const id = createHash('sha256').update(digest).digest('hex').slice(0, 32);
      const key = keys.webhookSeen(source, id);
      // A claim is the one Redis lock (src/store/redis-lock.ts) on the request's key: released only while it
      // still holds this attempt's token, never someone else's claim or acceptance.
      const claim = redisLock({
        redis,
        keys: [key],
        token: CLAIMED + randomUUID(),
        ttlMs: CLAIM_SECONDS * 1000,
      });
      const taken = await claim.take();
      if (!taken.taken) {
        // The take read the holder's value in the same script (no second round trip): another attempt's
        // claim, or else an acceptance (earlier releases stored '1').
        return taken.heldBy.startsWith(CLAIMED) ? { status: 'in-flight' } : { status: 'accepted' };
      }
      return {
        status: 'claimed',
        async accept() {
          await redis.set(key, ACCEPTED, 'EX', toleranceSeconds * 2);
        },
        release: () => claim.release(),
      };
    },
  };
}
