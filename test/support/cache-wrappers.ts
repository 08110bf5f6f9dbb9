/**
 * Failure-injection and counting wrappers around a REAL Kv (memory or Upstash). They forward
 * every call to the real adapter; they only record calls, delay them, or make them fail.
 */
import type { Kv } from '@strata/core/ports/kv';

export type KvMode = 'ok' | 'throw' | 'hang';

export interface WrappedKv extends Kv {
  /** Operation names in call order (calls skipped by the engine never appear). */
  readonly calls: string[];
  /** 'throw': every call rejects; 'hang': every call never settles; 'ok': forward. */
  mode: KvMode;
  /** While set, `set` calls wait for this promise before reaching the real Kv. */
  holdSets: Promise<void> | null;
}

/** Wraps a real Kv with call recording and switchable failure modes. */
export function wrapKv(inner: Kv): WrappedKv {
  const w: WrappedKv = {
    kind: inner.kind,
    calls: [],
    mode: 'ok',
    holdSets: null,
    mget: (keys) => through('mget', () => inner.mget(keys)),
    set: (key, value, opts) =>
      through('set', async () => {
        if (w.holdSets) await w.holdSets;
        return inner.set(key, value, opts);
      }),
    del: (keys) => through('del', () => inner.del(keys)),
    incr: (key, opts) => through('incr', () => inner.incr(key, opts)),
    exec: (commands, opts) => through('exec', () => inner.exec(commands, opts)),
    ping: () => through('ping', () => inner.ping()),
    close: () => inner.close(),
  };
  function through<T>(op: string, call: () => Promise<T>): Promise<T> {
    w.calls.push(op);
    if (w.mode === 'throw') return Promise.reject(new Error(`injected ${op} failure`));
    if (w.mode === 'hang') return new Promise<T>(() => undefined);
    return call();
  }
  return w;
}

/** A promise with its resolver, for gating loaders and Kv writes. */
export function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

/** A random lower-case 64-hex id (unique keys per test, so suites sharing one Redis never collide). */
export function randomVersionId(): string {
  const b = new Uint8Array(32);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
