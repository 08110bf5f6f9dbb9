/**
 * A local stand-in for Upstash's REST API in front of a real redis-server (via ioredis), so the
 * real @upstash/redis client runs unmodified in tests. Protocol as documented by Upstash and
 * implemented by SRH: POST `/` (one command), `/pipeline`, `/multi-exec`; bearer token;
 * `Upstash-Encoding: base64`; 400 `{error}` for a failed single command; per-entry `{error}`
 * inside batches with an overall 200. Tests can also take it down to exercise failure paths.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import Redis from 'ioredis';
import { z } from 'zod';
import { listenOn, stopListening } from './listen';

export interface UpstashBridgeOptions {
  readonly redisUrl: string;
  readonly token: string;
  /** Port to listen on (default: any free port). */
  readonly port?: number;
  /** Redis database index (SELECT) this bridge talks to. */
  readonly db?: number;
  /**
   * Keep every request in `requests` (default true, for tests). Benchmarks turn it off: a log
   * that grows for the whole run makes the bridge's garbage collections, and its latency tail, grow.
   */
  readonly record?: boolean;
}

/** How the bridge misbehaves while down: refuse connections, answer 503, or accept and never answer. */
export type BridgeDownMode = 'refuse' | 'unavailable' | 'hang';

export interface BridgeRequest {
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

export interface UpstashBridge {
  readonly url: string;
  readonly token: string;
  /** Every HTTP request received since start (or the last reset), in arrival order. */
  readonly requests: readonly BridgeRequest[];
  /** Forgets the recorded requests. */
  resetRequests(): void;
  /** Simulates an outage (`true` = 'refuse'); `false` brings the bridge back on the same port. */
  setDown(down: boolean | BridgeDownMode): Promise<void>;
  /** Stops the server and the Redis connection. */
  close(): Promise<void>;
}

const Arg = z.union([z.string(), z.number(), z.boolean()]);
const Command = z.array(Arg).min(1);
const Batch = z.array(Command).min(1);
const MAX_BODY = 10 * 1024 * 1024;

type Reply = Buffer | string | number | null | Error | Reply[];

/**
 * Base64-encodes every string at any depth, except a top-level "OK" (the status reply). ioredis
 * hands status and bulk replies over alike, so a top-level bulk "OK" is sent plain as well: the
 * SDK reads a top-level "OK" as "OK" either way, while it decodes every string nested in an array.
 */
function encode(v: Reply, base64: boolean, top = true): unknown {
  if (Buffer.isBuffer(v) || typeof v === 'string') {
    const buf = Buffer.isBuffer(v) ? v : Buffer.from(v);
    const s = buf.toString('utf8');
    return base64 && !(top && s === 'OK') ? buf.toString('base64') : s;
  }
  if (Array.isArray(v)) return v.map((x) => encode(x, base64, false));
  if (v instanceof Error) return v.message;
  return v;
}

const stringify = (cmd: z.infer<typeof Command>) => cmd.map((a) => String(a));

/** Starts a bridge; resolves once it listens. */
export async function startUpstashBridge(opts: UpstashBridgeOptions): Promise<UpstashBridge> {
  const redis = new Redis(opts.redisUrl, { db: opts.db ?? 0, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const requests: BridgeRequest[] = [];
  const record = opts.record ?? true;
  const sockets = new Set<Socket>();
  const hanging = new Set<http.ServerResponse>();
  let mode: BridgeDownMode | null = null;

  const call = (cmd: z.infer<typeof Command>): Promise<Reply> => {
    const [name, ...args] = stringify(cmd);
    return redis.callBuffer(name as string, ...args) as Promise<Reply>;
  };

  async function execute(path: string, body: unknown, base64: boolean): Promise<[number, unknown]> {
    if (path === '/') {
      const cmd = Command.safeParse(body);
      if (!cmd.success) return [400, { error: 'ERR the body must be a non-empty JSON array of strings, numbers or booleans' }];
      try {
        return [200, { result: encode(await call(cmd.data), base64) }];
      } catch (e) {
        return [400, { error: (e as Error).message }];
      }
    }
    const batch = Batch.safeParse(body);
    if (!batch.success) return [400, { error: 'ERR the body must be a non-empty JSON array of commands' }];
    if (path === '/pipeline') {
      // Written in order on one connection; not atomic, other clients may interleave (as on Upstash).
      const settled = await Promise.allSettled(batch.data.map(call));
      return [200, settled.map((s) => (s.status === 'fulfilled' ? { result: encode(s.value, base64) } : { error: (s.reason as Error).message }))];
    }
    const multi = redis.multi();
    for (const cmd of batch.data) {
      const [name, ...args] = stringify(cmd);
      multi.callBuffer(name as string, ...args);
    }
    try {
      const replies = (await multi.exec()) ?? [];
      return [200, replies.map(([err, value]) => (err ? { error: err.message } : { result: encode(value as Reply, base64) }))];
    } catch (e) {
      // The whole transaction was refused (EXECABORT): one error object, not an array.
      const previous = (e as { previousErrors?: Error[] }).previousErrors?.[0]?.message;
      return [400, { error: previous ? `${(e as Error).message} ${previous}` : (e as Error).message }];
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY) chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload: unknown) => {
      if (record) requests.push({ path, status, body: text === '' ? undefined : safeJson(text) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (mode === 'unavailable') return send(503, { error: 'Service Unavailable' });
    if (path !== '/' && path !== '/pipeline' && path !== '/multi-exec') return send(404, { error: 'Endpoint not found' });
    if (req.method !== 'POST') return send(405, { error: 'Method not allowed' });
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { error: 'Unauthorized' });
    if ((req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/json') {
      return send(400, { error: 'Invalid content type: expected application/json' });
    }
    if (size > MAX_BODY) return send(400, { error: 'ERR max request size exceeded' });
    const body = safeJson(text);
    if (body === undefined) return send(400, { error: 'ERR the body is not valid JSON' });
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const [status, payload] = await execute(path, body, base64).catch((e: Error): [number, unknown] => [
      500,
      { error: `Unable to reach the Redis server: ${e.message}` },
    ]);
    send(status, payload);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const listen = (port: number) => listenOn(server, port);
  const stop = () => {
    for (const r of hanging) r.destroy();
    hanging.clear();
    return stopListening(server, sockets);
  };
  const port = await listen(opts.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    requests,
    resetRequests: () => {
      requests.length = 0;
    },
    async setDown(down) {
      const next: BridgeDownMode | null = down === true ? 'refuse' : down === false ? null : down;
      if (mode === 'refuse' && next !== 'refuse') await listen(port);
      if (next === 'refuse' && mode !== 'refuse') await stop();
      if (mode === 'hang' && next !== 'hang') {
        for (const r of hanging) r.destroy();
        hanging.clear();
      }
      mode = next;
    },
    async close() {
      await stop();
      redis.disconnect();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
