/**
 * Sql on Neon's Pool: the Postgres wire protocol tunnelled over a WebSocket (kind 'neon-pool').
 * Gives sessions and interactive transactions where HTTP cannot. Works on Workers (global
 * WebSocket) and on Node 20 when the caller passes `ws` as `webSocketConstructor` — core never
 * imports `ws` itself so the Workers bundle stays clean.
 *
 * Settings are applied per client (a Client subclass installed on this pool), never on the global
 * `neonConfig`, so two pools aimed at different proxies can live in one process.
 */
import { Client, Pool, types as neonTypes } from '@neondatabase/serverless';
import { z } from 'zod';
import type { Sql } from '../../ports/sql';
import { createPoolSql, type PgPoolLike } from './pool-sql';
import type { GetTypeParser } from './types';

type WsProxy = string | ((host: string, port: number | string) => string);

const optionsSchema = z.object({
  url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  /**
   * Where to open the WebSocket, without protocol. Default: Neon's own proxy. For a local bridge:
   * `(host, port) => '127.0.0.1:4444/v1?address=' + host + ':' + port`.
   */
  wsProxy: z.union([z.string().min(1), z.custom<(host: string, port: number | string) => string>((v) => typeof v === 'function')]).optional(),
  /** wss: (default) or ws: — a local bridge speaks plain ws:. */
  secure: z.boolean().default(true),
  /** WebSocket implementation where there is no global one (Node 20: pass `ws`'s default export). */
  webSocketConstructor: z.custom<unknown>((v) => v === undefined || typeof v === 'function').optional(),
  /**
   * Send startup, password and first query without waiting. Only valid when the server asks for a
   * cleartext password (Neon does); defaults to on for Neon and off when `wsProxy` points elsewhere,
   * because a stock PostgreSQL uses trust or SCRAM auth.
   */
  pipelineConnect: z.union([z.literal('password'), z.literal(false)]).optional(),
  max: z.number().int().positive().max(100).default(5),
  /**
   * Close a connection after this many checkouts. Workers pass 1: workerd ties a WebSocket to
   * the event that opened it, so a pooled one must not be reused by a later event.
   */
  maxUses: z.number().int().positive().optional(),
});
export type NeonPoolSqlOptions = z.input<typeof optionsSchema>;

/** Opens a Neon WebSocket Pool on `url` and wraps it; the adapter owns and ends the pool. */
export function createNeonPoolSql(options: NeonPoolSqlOptions): Sql {
  const o = optionsSchema.parse(options);
  const wsProxy = o.wsProxy as WsProxy | undefined;
  const pipelineConnect = o.pipelineConnect ?? (wsProxy === undefined ? 'password' : false);
  const WebSocketCtor = o.webSocketConstructor as typeof Client.prototype.neonConfig.webSocketConstructor;

  class ConfiguredClient extends Client {
    constructor(config?: ConstructorParameters<typeof Client>[0]) {
      super(config);
      const c = this.neonConfig;
      if (wsProxy !== undefined) c.wsProxy = wsProxy;
      if (WebSocketCtor !== undefined) c.webSocketConstructor = WebSocketCtor;
      c.useSecureWebSocket = o.secure;
      c.pipelineConnect = pipelineConnect;
      // No SSLRequest inside the tunnel: the WebSocket layer carries the encryption.
      c.forceDisablePgSSL = true;
    }
  }

  const pool = new Pool({ connectionString: o.url, max: o.max, ...(o.maxUses ? { maxUses: o.maxUses } : {}) });
  pool.Client = ConfiguredClient;
  // A dropped idle socket must not crash the host; the next query opens a new one.
  pool.on('error', () => {});
  return createPoolSql(pool as unknown as PgPoolLike, 'neon-pool', {
    typeParser: neonTypes.getTypeParser as GetTypeParser,
  });
}
