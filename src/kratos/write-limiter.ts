import { KeyedMutex } from './keyed-mutex.ts';
import { Semaphore, type Release } from './semaphore.ts';

/**
 * Which in-flight rule a request falls under (docs/kratos-behaviour.md, "Ory Network"):
 * - `collection`: POST or PATCH on `/admin/identities` — one in flight per project on Ory Network.
 * - `identity`: a write on one identity (`PUT/PATCH/DELETE /admin/identities/{id}`, its sessions) — one at a
 *   time per identity.
 * - `write`: another write (recovery links) — only the overall write limit applies.
 * - `read`: GETs, exempt from every limit here (the connection pool bounds them).
 */
export type WriteLimitKind =
  { kind: 'read' } | { kind: 'write' } | { kind: 'collection' } | { kind: 'identity'; id: string };

export interface WriteLimiter {
  /** Waits until the request may be sent; call the release when its response (or failure) is in. */
  enter(kind: WriteLimitKind): Promise<Release>;
}

const noop: Release = () => {};

/**
 * Every write holds one of `concurrency` permits, in and out of Ory Network mode. Writes to one identity
 * take that identity's lock in both modes: two writes to the same identity racing each other can reorder
 * and lose an update, and Ory Network would reject the second with 429 anyway. Collection writes (creates,
 * batches) are serialised only on Ory Network, where a second one in flight is a 429; OSS Kratos takes
 * them in parallel.
 *
 * The per-key lock is taken before the permit, so a write queued behind its own identity does not sit on a
 * permit another identity could use.
 */
export function createWriteLimiter(options: { concurrency: number; oryNetwork: boolean }): WriteLimiter {
  const permits = new Semaphore(options.concurrency);
  const keys = new KeyedMutex();

  async function enterKeyed(key: string): Promise<Release> {
    const unlock = await keys.lock(key);
    let releasePermit: Release;
    try {
      releasePermit = await permits.acquire();
    } catch (err) {
      unlock();
      throw err;
    }
    return () => {
      releasePermit();
      unlock();
    };
  }

  return {
    enter(request) {
      switch (request.kind) {
        case 'read':
          return Promise.resolve(noop);
        case 'write':
          return permits.acquire();
        case 'collection':
          return options.oryNetwork ? enterKeyed('collection') : permits.acquire();
        case 'identity':
          return enterKeyed(`identity:${request.id}`);
      }
    },
  };
}
