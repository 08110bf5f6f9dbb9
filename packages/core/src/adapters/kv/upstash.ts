/**
 * UpstashKv — the Kv port over Upstash's REST API with @upstash/redis.
 *
 * Client settings, and why:
 * - `automaticDeserialization: false` + base64 response encoding: values come back as the exact
 *   strings we stored ("42" stays "42", JSON text stays text).
 * - `enableAutoPipelining: false`: the port already batches explicitly (`mget`, `exec`), and the
 *   SDK's auto-pipeliner splits reads and writes issued in the same tick into two concurrent
 *   requests, so a `get` may overtake a `set` (redis-js#1455). One call = one request keeps the
 *   ordering callers see: a write that resolved is visible to every later call.
 * - No retries: INCR is not idempotent, and the cache engine wants a dead Kv to fail fast.
 * - Every request carries `AbortSignal.timeout(timeoutMs)`.
 *
 * Errors: a command Redis rejected throws `KvCommandError` with the Redis text; anything else
 * (timeout, refused connection, 5xx, bad token) throws StrataError `unavailable`.
 */
import { Redis } from '@upstash/redis';
import type { Requester } from '@upstash/redis';
import { z } from 'zod';
import { fail } from '../../errors';
import type { Kv, KvCommand } from '../../ports/kv';
import { assertPx, batchResults, checkCommands, KvCommandError } from './shared';
import { createFetchRequester } from './upstash-requester';

const UpstashKvOptions = z.object({
  url: z.string().regex(/^https?:\/\/[^\s#$./?].\S*$/, 'an http(s) URL'),
  token: z.string().min(1),
  fetch: z.custom<typeof fetch>((f) => typeof f === 'function').optional(),
  timeoutMs: z.number().int().positive().default(1_000),
});

export type UpstashKvOptions = z.input<typeof UpstashKvOptions>;

/** The SDK client over a custom requester, with deserialisation off (the requester form ignores RedisOptions). */
class RawRedis extends Redis {
  constructor(requester: Requester) {
    super(requester);
    this.opts = { automaticDeserialization: false };
  }
}

const SDK_PREFIX = /^Command (?:\d+ \[ \S+ \] )?failed: /;
const SDK_SUFFIX = /, command was: [\s\S]*$/;
/** Redis error replies start with an upper-case code: ERR, WRONGTYPE, EXECABORT, NOSCRIPT… */
const REDIS_ERROR = /^[A-Z][A-Z_]+ /;

/** Sorts a failure into "Redis said no" (KvCommandError) and "Kv unreachable" (StrataError unavailable). */
function toKvError(e: unknown): Error {
  if (e instanceof KvCommandError) return e;
  const message = e instanceof Error ? e.message.replace(SDK_PREFIX, '').replace(SDK_SUFFIX, '') : String(e);
  if (REDIS_ERROR.test(message)) return new KvCommandError(message);
  return fail.unavailable(`Kv is unavailable: ${message}`, e);
}

async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toKvError(e);
  }
}

type Batch = ReturnType<Redis['pipeline']>;

/** Appends one port command to an SDK batch; incr with px adds its PEXPIRE … NX right after. */
function append(batch: Batch, c: KvCommand): void {
  switch (c.op) {
    case 'get':
      batch.get(c.key);
      return;
    case 'set':
      batch.set(c.key, c.value, setOptions(c.px, c.nx));
      return;
    case 'del':
      batch.del(...c.keys);
      return;
    case 'incr':
      batch.incr(c.key);
      if (c.px !== undefined) batch.pexpire(c.key, c.px, 'NX');
      return;
  }
}

function setOptions(px: number | undefined, nx: boolean | undefined) {
  if (px !== undefined) return nx ? { px, nx: true as const } : { px };
  return nx ? { nx: true as const } : undefined;
}

/** Creates a Kv that talks to Upstash (or anything speaking its REST protocol) at `url`. */
export function createUpstashKv(options: UpstashKvOptions): Kv {
  const { url, token, fetch: customFetch, timeoutMs } = UpstashKvOptions.parse(options);
  const redis = customFetch
    ? new RawRedis(createFetchRequester({ url, token, fetch: customFetch, timeoutMs }))
    : new Redis({
        url,
        token,
        automaticDeserialization: false,
        responseEncoding: 'base64',
        enableAutoPipelining: false,
        enableTelemetry: false,
        // `false` would still mean one retry in this SDK version; zero retries is `{ retries: 0 }`.
        retry: { retries: 0 },
        // A function, so each request gets a fresh timer and an abort throws (a shared signal is
        // turned into a fake "Aborted" result by the SDK).
        signal: () => AbortSignal.timeout(timeoutMs),
      });

  return {
    kind: 'upstash',
    /** One MGET; null where absent or expired. */
    async mget(keys) {
      if (keys.length === 0) return [];
      return guarded(() => redis.mget<(string | null)[]>(...keys));
    },
    /** SET with PX/NX; false when NX found the key. */
    async set(key, value, o = {}) {
      assertPx(o.px, 'set');
      const r = await guarded(() => redis.set(key, value, setOptions(o.px, o.nx)));
      return r !== null;
    },
    /** One DEL; how many keys existed. */
    async del(keys) {
      if (keys.length === 0) return 0;
      return guarded(() => redis.del(...keys));
    },
    /** INCR, plus PEXPIRE … NX in the same MULTI/EXEC request when `px` is given. */
    async incr(key, o = {}) {
      assertPx(o.px, 'pexpire');
      if (o.px === undefined) return guarded(() => redis.incr(key));
      const [n] = await guarded(() => redis.multi().incr(key).pexpire(key, o.px as number, 'NX').exec());
      return n;
    },
    /** One `/pipeline` request, or `/multi-exec` when atomic; throws the first failed command's error after all ran. */
    async exec(commands, o = {}) {
      checkCommands(commands);
      if (commands.length === 0) return [];
      const batch = o.atomic ? redis.multi() : redis.pipeline();
      for (const c of commands) append(batch, c);
      const raw = await guarded(() => batch.exec<{ result: unknown; error?: string }[]>({ keepErrors: true }));
      return batchResults(
        commands,
        raw.map((e) => ({ error: e?.error ? toKvError(new Error(e.error)) : null, value: e?.result })),
      );
    },
    /** PING through the same HTTP path as every other call. */
    async ping() {
      await guarded(() => redis.ping());
    },
    /** Nothing to release: HTTP connections belong to the runtime's fetch. */
    async close() {},
  };
}
