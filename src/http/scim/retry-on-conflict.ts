import { ScimError } from '../../scim/scim-error.ts';

/** Attempts of a read-modify-write that lost a race with another writer of the same resource. */
const ATTEMPTS = 10;

/** What an attempt returns when its compare-and-set found the resource changed since it was read. */
export const CHANGED_MEANWHILE = Symbol('changed meanwhile');

/**
 * Runs a read-modify-write of one stored resource until its write lands: each attempt reads, changes and
 * writes with a compare-and-set, and returns `CHANGED_MEANWHILE` when another writer got in between; the
 * next attempt waits a random few milliseconds (growing), so writers racing for one group spread out.
 * After that many lost races the client is told to send the request again (409), rather than waiting on.
 */
export async function retryOnConflict<T>(
  resourceType: 'User' | 'Group',
  attempt: () => Promise<T | typeof CHANGED_MEANWHILE>,
): Promise<T> {
  for (let n = 0; n < ATTEMPTS; n++) {
    const result = await attempt();
    if (result !== CHANGED_MEANWHILE) return result;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** n)));
  }
  throw new ScimError(409, `the ${resourceType} kept changing while this request was applied; send it again`);
}
