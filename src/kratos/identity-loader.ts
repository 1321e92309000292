import DataLoader from 'dataloader';
import type { Identity } from '../domain/identity.ts';
import { isUuid } from './list-identities.ts';
import type { KratosClient } from './types.ts';

/**
 * Reads identities by id the way `getIdentity` does (an identity, or the same `SYNC_ERR_KRATOS_NOT_FOUND`
 * error), but the reads asked for in one turn of the event loop go to Kratos as one request where the server
 * has the `ids` list filter (v1.1+): a worker's concurrent `person.sync` jobs then cost one Kratos round trip
 * together instead of one each.
 */
export interface IdentityLoader {
  load(id: string): Promise<Identity>;
}

/** Ids per request: well under the 500 v26 accepts, and a page the server renders quickly. */
const MAX_IDS_PER_REQUEST = 100;

const loaders = new WeakMap<KratosClient, IdentityLoader>();

/** The process's loader for this client (one per client, so the reads of all its jobs are coalesced). */
export function identityLoaderFor(client: KratosClient): IdentityLoader {
  let loader = loaders.get(client);
  if (!loader) {
    loader = createIdentityLoader(client);
    loaders.set(client, loader);
  }
  return loader;
}

/**
 * A read of one id is a plain `GET /admin/identities/{id}`, the same as without the loader. Several go as one
 * filtered list (`ids=…&page_size=<n>`): a listed identity carries what the plan compares — traits, state,
 * both metadata (v1.1+ lists include `metadata_admin`), addresses — but not the credentials summary a GET
 * shows, which no single-person plan reads. An id the list does not return (deleted, or a server that
 * dropped the filter) is read on its own by GET, so "not found" is always Kratos's own answer for that id.
 * A list request that fails fails the reads of that request only.
 */
export function createIdentityLoader(client: KratosClient): IdentityLoader {
  const single = (id: string): Promise<Identity | Error> => client.getIdentity(id).catch(asError);
  const loader = new DataLoader<string, Identity>(
    async (ids) => {
      const listable = [...new Set(ids.filter(isUuid))];
      if (!client.capabilities.idsFilter || listable.length < 2) return Promise.all(ids.map(single));
      const listed = new Map<string, Identity>();
      for await (const page of client.listIdentities({ ids: listable, pageSize: listable.length })) {
        for (const identity of page) listed.set(identity.id, identity);
      }
      const handed = new Set<string>();
      return Promise.all(
        ids.map((id) => {
          const identity = listed.get(id);
          if (!identity) return single(id);
          // The same id asked for twice: each caller gets an object of its own to work on.
          if (handed.has(id)) return structuredClone(identity);
          handed.add(id);
          return identity;
        }),
      );
    },
    {
      // No cache: every job must see Kratos as it is when the job runs.
      cache: false,
      maxBatchSize: MAX_IDS_PER_REQUEST,
      // After this turn's socket reads: jobs that resumed from the same read are asked for together.
      batchScheduleFn: (send) => setImmediate(send),
    },
  );
  return { load: (id) => loader.load(id) };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
