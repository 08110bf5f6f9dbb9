/**
 * A local stand-in for Neon's proxy, in front of the local PostgreSQL, so the real
 * @neondatabase/serverless driver can be tested offline. One HTTP server on one port:
 *  - POST /sql: Neon's HTTP query protocol (single query or `{queries}` batch run as one
 *    transaction, raw text values in array rows, 400 with PostgreSQL error fields);
 *  - an HTTP Upgrade on any path: a WebSocket whose binary messages are piped, as a byte stream,
 *    to the PostgreSQL server of `pgUrl`. The upstream is pinned: the client's `address` is ignored.
 * User, password and database come from the request (Neon-Connection-String or the startup
 * message), as with Neon; host and port never do.
 */
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';

export interface NeonBridge {
  /** Full URL of the HTTP query endpoint (…/sql), for `fetchEndpoint`. */
  readonly httpUrl: string;
  /** host:port of the WebSocket endpoint, for `wsProxy`. */
  readonly wsHost: string;
  readonly port: number;
  close(): Promise<void>;
}

const ERROR_FIELDS = ['code', 'severity', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where',
  'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine'] as const;

const queryBody = z.object({ query: z.string(), params: z.array(z.unknown()).default([]), arrayMode: z.boolean().optional() });
const batchBody = z.object({ queries: z.array(queryBody) });
const ISOLATION: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED', ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ', Serializable: 'SERIALIZABLE',
};

// Every value goes back as PostgreSQL's text output; the driver parses it by dataTypeID.
const rawText = { getTypeParser: () => (v: string) => v };

class BadRequest extends Error {}

function readBody(req: http.IncomingMessage, limit = 10 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new BadRequest('request too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the bridge on 127.0.0.1 (`port` 0 or omitted → a free port). */
/** `poolMax`: PostgreSQL connections per user/database behind the bridge (default 4). */
export async function startNeonBridge(opts: { pgUrl: string; port?: number; poolMax?: number }): Promise<NeonBridge> {
  const upstream = new URL(opts.pgUrl);
  const upstreamHost = upstream.hostname;
  const upstreamPort = Number(upstream.port || 5432);
  const pools = new Map<string, pg.Pool>();
  const sockets = new Set<net.Socket>();

  /** One small pool per user/password/database named by the client, always on the pinned server. */
  function poolFor(connectionString: string | undefined): pg.Pool {
    const named = new URL(connectionString ?? opts.pgUrl);
    const user = decodeURIComponent(named.username || upstream.username || 'postgres');
    const password = decodeURIComponent(named.password || upstream.password) || undefined;
    const database = decodeURIComponent(named.pathname.slice(1) || upstream.pathname.slice(1));
    const key = JSON.stringify([user, password, database]);
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ host: upstreamHost, port: upstreamPort, user, password, database, max: opts.poolMax ?? 4 });
      pool.on('error', () => {});
      pools.set(key, pool);
    }
    return pool;
  }

  async function run(client: pg.PoolClient, q: z.infer<typeof queryBody>, arrayMode: boolean) {
    const params = q.params.map((p) => (p !== null && typeof p === 'object' && !Array.isArray(p) ? JSON.stringify(p) : p));
    // Extended protocol always, like Neon's proxy: one statement per query, params typed by the server.
    const r = await client.query({ text: q.query, values: params, rowMode: 'array', types: rawText, queryMode: 'extended' } as pg.QueryArrayConfig);
    const fields = r.fields.map((f) => ({
      name: f.name, dataTypeID: f.dataTypeID, tableID: f.tableID, columnID: f.columnID,
      dataTypeSize: f.dataTypeSize, dataTypeModifier: f.dataTypeModifier, format: 'text',
    }));
    const rows = (q.arrayMode ?? arrayMode) ? r.rows : r.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
    return { command: r.command, rowCount: r.rowCount ?? null, rowAsArray: q.arrayMode ?? arrayMode, fields, rows };
  }

  function beginFor(h: http.IncomingHttpHeaders): string {
    const parts = ['BEGIN'];
    const iso = h['neon-batch-isolation-level'];
    if (typeof iso === 'string') {
      const level = ISOLATION[iso];
      if (!level) throw new BadRequest(`unknown isolation level ${iso}`);
      parts.push(`ISOLATION LEVEL ${level}`);
    }
    if (h['neon-batch-read-only'] !== undefined) parts.push(h['neon-batch-read-only'] === 'true' ? 'READ ONLY' : 'READ WRITE');
    if (h['neon-batch-deferrable'] !== undefined) parts.push(h['neon-batch-deferrable'] === 'true' ? 'DEFERRABLE' : 'NOT DEFERRABLE');
    return parts.join(' ');
  }

  async function handleSql(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      let json: unknown;
      try {
        json = JSON.parse(await readBody(req));
      } catch (e) {
        throw e instanceof BadRequest ? e : new BadRequest('body is not JSON');
      }
      const connStr = req.headers['neon-connection-string'];
      const pool = poolFor(typeof connStr === 'string' ? connStr : undefined);
      const arrayMode = req.headers['neon-array-mode'] === 'true';
      const batch = batchBody.safeParse(json);
      const client = await pool.connect();
      try {
        if (!batch.success) {
          const single = queryBody.safeParse(json);
          if (!single.success) throw new BadRequest('expected {query, params} or {queries}');
          send(200, await run(client, single.data, arrayMode));
          return;
        }
        const echoed = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('neon-batch-')).map(([k, v]) => [k, String(v)]));
        await client.query(beginFor(req.headers));
        try {
          const results = [];
          for (const q of batch.data.queries) results.push(await run(client, q, arrayMode));
          await client.query('COMMIT');
          send(200, { results }, echoed);
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      } finally {
        client.release();
      }
    } catch (e) {
      const err = e as Record<string, unknown> & Error;
      if (e instanceof BadRequest || typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) {
        send(400, Object.fromEntries([['message', err.message], ...ERROR_FIELDS.map((f) => [f, err[f] ?? null])]));
      } else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bridge could not reach PostgreSQL: ${err.message}`);
      }
    }
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && new URL(req.url ?? '/', 'http://x').pathname === '/sql') void handleSql(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => pipe(ws)));

  /** Pipes one WebSocket to a fresh TCP connection; message boundaries carry no meaning. */
  function pipe(ws: WebSocket): void {
    const tcp = net.connect({ host: upstreamHost, port: upstreamPort });
    sockets.add(tcp);
    tcp.setNoDelay(true);
    tcp.on('data', (chunk) => ws.send(chunk, { binary: true }));
    tcp.on('close', () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on('error', () => ws.terminate());
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      tcp.write(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
    });
    ws.on('close', () => tcp.end());
    ws.on('error', () => tcp.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    httpUrl: `http://127.0.0.1:${port}/sql`,
    wsHost: `127.0.0.1:${port}`,
    port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}
