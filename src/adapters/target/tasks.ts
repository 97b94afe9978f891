/**
 * Runs `fn` over `items` with one worker per element of `workers` (connections), largest work
 * first as the caller orders it. On a failure no new item starts; it waits for the running
 * ones before rejecting, so the caller can release the connections safely.
 */
export async function runTasks<W, I, R>(
  items: readonly I[],
  workers: readonly W[],
  fn: (worker: W, item: I, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  await Promise.all(
    workers.map(async (w) => {
      while (!failure && next < items.length) {
        const i = next++;
        try {
          results[i] = await fn(w, items[i]!, i);
        } catch (err) {
          failure ??= { err };
        }
      }
    }),
  );
  if (failure) throw failure.err;
  return results;
}
