import type { KratosClient } from '../kratos/types.ts';
import type { KratosRequestEvent } from './metrics.ts';

/** Client operations that send requests (the rest of the client is state: capabilities, events, counters). */
const OPERATIONS = new Set<string>([
  'createIdentity',
  'getIdentity',
  'getIdentityByExternalId',
  'updateIdentity',
  'patchIdentity',
  'deleteIdentity',
  'batchCreateIdentities',
  'createRecoveryLink',
  'createRecoveryCode',
  'listIdentitySessions',
  'revokeIdentitySessions',
  'listIdentitySchemas',
  'getIdentitySchema',
  'ready',
]);

/**
 * The Kratos client, with every operation timed and counted by outcome for /metrics. The client has no
 * per-request hook yet, so this measures at the operation level: one event per call (retries inside the
 * client included in its latency), with the HTTP status of a failure or `200` for success; a list is
 * timed page by page.
 */
export function instrumentKratos(
  client: KratosClient,
  observe: (event: KratosRequestEvent) => void,
): KratosClient {
  const timed = <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    return work().then(
      (value) => {
        observe({ operation, status: '200', durationMs: performance.now() - started });
        return value;
      },
      (err: unknown) => {
        const status = (err as { status?: unknown } | null)?.status;
        observe({
          operation,
          status: typeof status === 'number' ? String(status) : 'error',
          durationMs: performance.now() - started,
        });
        throw err;
      },
    );
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (property === 'listIdentities') {
        return (...args: unknown[]) =>
          timedPages((value as (...a: unknown[]) => AsyncIterable<unknown>).apply(target, args), timed);
      }
      if (!OPERATIONS.has(property)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) =>
        timed(property, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

function timedPages<T>(
  pages: AsyncIterable<T>,
  timed: <R>(operation: string, work: () => Promise<R>) => Promise<R>,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = pages[Symbol.asyncIterator]();
      return {
        next: () => timed('listIdentities', () => iterator.next()),
        return: async (value?: unknown) =>
          iterator.return ? await iterator.return(value) : { done: true, value: undefined as T },
      };
    },
  };
}
