/**
 * Run `worker` over `items` with at most `limit` in flight; results come back index-aligned with `items`,
 * whatever order the calls finish in. A worker that throws does not stop the others: callers turn failures
 * into per-item outcomes before they get here, so a throw is a bug and is rethrown after the pool drains.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure && !signal?.aborted) {
      const index = next++;
      try {
        results[index] = await worker(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
  signal?.throwIfAborted();
  return results;
}
