/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the input order in the result.
 * Used for per-bucket, per-topic and per-function reads, so a region with hundreds of resources does not
 * fire hundreds of requests at once (AWS throttles per account, and the SDK retries throttled calls).
 * The first rejection rejects the whole map; calls already started are left to finish.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** Default number of concurrent reads for region-wide scans. */
export const READ_CONCURRENCY = 8;
