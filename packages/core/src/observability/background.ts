/** Tracks background promises on Node so shutdown and tests can wait for them. */
export interface Background {
  track(p: Promise<unknown>): void;
  /** Resolves when every tracked promise (including ones added meanwhile) has settled. */
  drain(): Promise<void>;
  readonly size: number;
}

export function createBackground(): Background {
  const pending = new Set<Promise<unknown>>();
  return {
    track(p) {
      const settled = p.then(
        () => undefined,
        () => undefined,
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    get size() {
      return pending.size;
    },
  };
}
