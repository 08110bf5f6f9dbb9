/** Memoises an asynchronous `build`: every caller shares one promise; a rejection is not cached, so the next call retries. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}
