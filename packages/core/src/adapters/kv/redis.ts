/**
 * RedisKv — the Kv port over Redis's own protocol (TCP, or TLS with `rediss://`) with ioredis,
 * for hosts that keep sockets: a Node server or container, or Lambda in a VPC beside its Redis.
 * One command is one round trip on one long-lived connection, with no HTTP in between (the
 * Upstash REST API costs an HTTP request per call). Workers have no such socket: they use
 * Upstash. Node only, so it is handed to core by the Node and Lambda platforms (REDIS_URL) and
 * never enters the Worker bundle.
 *
 * Failure behaviour, chosen for a cache that must cost nothing when Redis is gone (ADR 0019):
 * - No offline queue: a command is written only to a ready connection. While the client is
 *   reconnecting it fails at once; while a connection is being opened it waits at most
 *   `timeoutMs` for it. A command can therefore never sit in a queue and run minutes later,
 *   out of order with what the caller did since (a late SET NX lease, say).
 * - No resend: commands in flight when the connection drops are rejected, not replayed.
 * - `commandTimeout` = `timeoutMs`: a server that accepts and never answers costs that much,
 *   and the connection is then replaced (it may be half-open).
 * - ioredis reconnects in the background with capped backoff; the same Kv recovers by itself.
 *
 * Errors: a command Redis rejected throws `KvCommandError` with the Redis text; anything else
 * (timeout, refused or lost connection) throws StrataError `unavailable`.
 */
import { Redis, type ChainableCommander } from 'ioredis';
import { z } from 'zod';
import { fail } from '../../errors';
import type { Kv, KvCommand, KvResult } from '../../ports/kv';
import { assertPx, batchResults, checkCommands, KvCommandError } from './shared';

const RedisKvOptions = z.object({
  url: z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL'),
  timeoutMs: z.number().int().positive().default(1_000),
});

export type RedisKvOptions = z.input<typeof RedisKvOptions>;

/** ioredis's rejection when `commandTimeout` passes. */
const TIMED_OUT = 'Command timed out';

/** Redis error replies start with an upper-case code: ERR, WRONGTYPE, EXECABORT, NOSCRIPT… */
const REDIS_ERROR = /^[A-Z][A-Z_]+ /;

function toKvError(e: unknown): Error {
  if (e instanceof KvCommandError) return e;
  const err = e as { name?: string; message?: string };
  const message = err?.message ?? String(e);
  if (err?.name === 'ReplyError' && REDIS_ERROR.test(message)) return new KvCommandError(message);
  return fail.unavailable(`Kv is unavailable: ${message}`, e);
}

/** Appends one port command to an ioredis batch; incr with px adds its PEXPIRE … NX right after. */
function append(batch: ChainableCommander, c: KvCommand): void {
  switch (c.op) {
    case 'get':
      batch.get(c.key);
      return;
    case 'set':
      batch.call('SET', c.key, c.value, ...setArgs(c.px, c.nx));
      return;
    case 'del':
      batch.del(...c.keys);
      return;
    case 'incr':
      batch.incr(c.key);
      if (c.px !== undefined) batch.call('PEXPIRE', c.key, c.px, 'NX');
      return;
  }
}

function setArgs(px: number | undefined, nx: boolean | undefined): (string | number)[] {
  const args: (string | number)[] = [];
  if (px !== undefined) args.push('PX', px);
  if (nx) args.push('NX');
  return args;
}

/** Creates a Kv over one ioredis connection to `url` (the database index may be given as the path, e.g. `/2`). */
export function createRedisKv(options: RedisKvOptions): Kv {
  const { url, timeoutMs } = RedisKvOptions.parse(options);
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1_000),
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
  });
  // Errors surface per command; an unhandled 'error' event would otherwise be printed by ioredis.
  redis.on('error', () => undefined);
  let closed = false;
  /** The one wait for a connection being opened, shared by every call made meanwhile. */
  let opening: Promise<void> | null = null;

  /** Resolves once the connection is ready: at once if it is, after at most `timeoutMs` while one is being opened. */
  const ready = (): Promise<void> => {
    if (redis.status === 'ready') return Promise.resolve();
    if (closed) return Promise.reject(fail.unavailable('Kv is unavailable: the client is closed'));
    if (redis.status !== 'connecting' && redis.status !== 'connect' && redis.status !== 'wait') {
      return Promise.reject(fail.unavailable(`Kv is unavailable: Redis connection is ${redis.status}`));
    }
    opening ??= waitForConnection().finally(() => (opening = null));
    return opening;
  };

  const waitForConnection = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(fail.unavailable('Kv is unavailable: Redis closed the connection'));
      const timer = setTimeout(() => done(fail.unavailable(`Kv is unavailable: no Redis connection within ${timeoutMs} ms`)), timeoutMs);
      redis.once('ready', onReady);
      redis.once('close', onClose);
      if (redis.status === 'wait') redis.connect().catch(() => undefined);
    });

  const run = async <T>(op: () => Promise<T>): Promise<T> => {
    await ready();
    try {
      return await op();
    } catch (e) {
      // A connection that let a command time out is suspect (a half-open socket looks just like
      // this): drop it and let ioredis open a fresh one rather than queue more behind it.
      if ((e as Error)?.message === TIMED_OUT && redis.status === 'ready') redis.disconnect(true);
      throw toKvError(e);
    }
  };

  /** Runs a pipeline or MULTI; per-command results, the first command error thrown after all ran. */
  const execBatch = async (commands: readonly KvCommand[], atomic: boolean): Promise<KvResult[]> => {
    const raw = await run(async () => {
      const batch = atomic ? redis.multi() : redis.pipeline();
      for (const c of commands) append(batch, c);
      const replies = await batch.exec();
      // null only when a WATCHed key changed, which this port never uses
      if (!replies) throw fail.unavailable('Kv is unavailable: the transaction was discarded');
      return replies;
    });
    return batchResults(
      commands,
      raw.map(([err, value]) => ({ error: err ? toKvError(err) : null, value })),
    );
  };

  return {
    kind: 'redis',
    /** One MGET; null where absent or expired. */
    async mget(keys) {
      if (keys.length === 0) return [];
      return run(() => redis.mget(...keys));
    },
    /** SET with PX/NX; false when NX found the key. */
    async set(key, value, o = {}) {
      assertPx(o.px, 'set');
      const r = await run(() => redis.call('SET', key, value, ...setArgs(o.px, o.nx)));
      return r !== null;
    },
    /** One DEL; how many keys existed. */
    async del(keys) {
      if (keys.length === 0) return 0;
      return run(() => redis.del(...keys));
    },
    /** INCR, plus PEXPIRE … NX in the same MULTI/EXEC when `px` is given. */
    async incr(key, o = {}) {
      assertPx(o.px, 'pexpire');
      if (o.px === undefined) return run(() => redis.incr(key));
      const [n] = await execBatch([{ op: 'incr', key, px: o.px }], true);
      return n as number;
    },
    /** One pipeline (or MULTI/EXEC when atomic) written in one go: one round trip. */
    async exec(commands, o = {}) {
      checkCommands(commands);
      if (commands.length === 0) return [];
      return execBatch(commands, o.atomic === true);
    },
    async ping() {
      await run(() => redis.ping());
    },
    /** Sends QUIT when connected (pending replies arrive first), else drops the socket. */
    async close() {
      if (closed) return;
      closed = true;
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
