/**
 * Kv — the disposable workbench (Redis semantics, the subset Strata needs and nothing more).
 * Values are strings; callers serialise. Keys are built only from validated identifiers.
 */
export interface KvSetOptions {
  /** Expiry in milliseconds. */
  readonly px?: number;
  /** Only set when the key does not exist. */
  readonly nx?: boolean;
}

export type KvCommand =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly px?: number; readonly nx?: boolean }
  | { readonly op: 'del'; readonly keys: readonly string[] }
  | { readonly op: 'incr'; readonly key: string; readonly px?: number };

/** Result per command in `exec`: get → string|null, set → boolean, del → number, incr → number. */
export type KvResult = string | null | boolean | number;

export interface Kv {
  readonly kind: 'memory' | 'upstash' | 'redis';
  /** Values of the keys, null where absent or expired; one round trip. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Sets a value; returns false when `nx` was given and the key already existed. */
  set(key: string, value: string, opts?: KvSetOptions): Promise<boolean>;
  /** Deletes keys; returns how many existed. */
  del(keys: readonly string[]): Promise<number>;
  /** Atomically increments an integer; `px` sets the expiry only when the key had none (first write). */
  incr(key: string, opts?: { readonly px?: number }): Promise<number>;
  /** Sends several commands in one round trip; `atomic` runs them as one MULTI/EXEC. */
  exec(commands: readonly KvCommand[], opts?: { readonly atomic?: boolean }): Promise<KvResult[]>;
  /** Cheap reachability check. */
  ping(): Promise<void>;
  /** Releases resources (timers, sockets). */
  close(): Promise<void>;
}
