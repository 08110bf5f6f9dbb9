/**
 * What the shared Sql contract cannot say for every adapter: PGlite persistence, the Neon bridge's
 * wire protocol as the real proxy defines it, per-instance Neon HTTP endpoints, and how an
 * unreachable database surfaces.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neonConfig } from '@neondatabase/serverless';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNeonHttpSql } from '@strata/core/adapters/sql/neon-http';
import { createNeonPoolSql } from '@strata/core/adapters/sql/neon-pool';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { StrataError } from '@strata/core/errors';
import { startNeonBridge, type NeonBridge } from '../support/neon-bridge';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('PGlite adapter', () => {
  it('persists under dataDir across close and reopen, creating missing parents', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-pglite-'));
    const dataDir = join(root, 'nested', 'pglite');
    try {
      const first = await createPgliteSql({ dataDir });
      await first.query('CREATE TABLE kept (v text)');
      await first.query('INSERT INTO kept VALUES ($1)', ['still here']);
      await first.close();
      const second = await createPgliteSql({ dataDir });
      expect(await second.query('SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
      await second.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    // A first start on disk runs initdb there, which takes 15 s or more on a busy two-core machine.
  }, 180_000);

  it('rejects invalid options', async () => {
    await expect(createPgliteSql({ dataDir: '' })).rejects.toThrow();
  });
});

describe('Neon HTTP endpoint routing', () => {
  it('keeps Neon\'s own endpoint for hosts that configured none', async () => {
    const local = createNeonHttpSql({ url: 'postgres://u@db.local.test:5432/d', fetchEndpoint: 'http://127.0.0.1:9/sql' });
    const route = neonConfig.fetchEndpoint as (h: string, p: string, o: { jwtAuth: boolean }) => string;
    expect(route('db.local.test', '5432', { jwtAuth: false })).toBe('http://127.0.0.1:9/sql');
    expect(route('ep-x.us-east-2.aws.neon.tech', '', { jwtAuth: false })).toBe('https://api.us-east-2.aws.neon.tech/sql');
    await local.close();
    expect(route('db.local.test', '5432', { jwtAuth: false })).toBe('https://api.local.test/sql');
  });

  it('reports an unreachable endpoint as StrataError(unavailable)', async () => {
    const sql = createNeonHttpSql({ url: 'postgres://u@db.gone.test:5432/d', fetchEndpoint: `http://127.0.0.1:${await closedPort()}/sql` });
    await expect(sql.query('SELECT 1')).rejects.toMatchObject({ name: 'StrataError', code: 'unavailable' });
    await sql.close();
  });
});

await describeWith(['postgres'], 'Neon bridge and server adapters', () => {
  let db: TestDatabase;
  let bridge: NeonBridge;
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(bridge.httpUrl, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Neon-Connection-String': db.url, 'Neon-Array-Mode': 'true', 'Neon-Raw-Text-Output': 'true', ...headers },
    });

  beforeAll(async () => {
    db = await createTestDatabase('strata_sqla');
    bridge = await startNeonBridge({ pgUrl: db.url });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  it('answers a single query with raw text rows, fields, command and rowCount', async () => {
    const res = await post({ query: 'SELECT $1::int8 AS big, $2::bytea AS b, NULL::text AS n', params: ['42', '\\x01ff'] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ command: 'SELECT', rowCount: 1, rowAsArray: true, rows: [['42', '\\x01ff', null]] });
    expect(body.fields.map((f: { name: string; dataTypeID: number }) => [f.name, f.dataTypeID])).toEqual([['big', 20], ['b', 17], ['n', 25]]);
    const ddl = await (await post({ query: 'CREATE TABLE bridged (id int4 PRIMARY KEY)', params: [] })).json();
    expect(ddl).toMatchObject({ command: 'CREATE', rowCount: null, rows: [] });
  });

  it('returns 400 with PostgreSQL error fields, and refuses multi-statement strings', async () => {
    const res = await post({ query: 'SELECT 1/0', params: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'division by zero', code: '22012', severity: 'ERROR' });
    const multi = await post({ query: 'SELECT 1; SELECT 2', params: [] });
    expect(multi.status).toBe(400);
    expect((await multi.json()).code).toBe('42601');
  });

  it('runs a batch as one transaction with the requested settings, echoing them', async () => {
    const res = await post(
      { queries: [{ query: 'SHOW transaction_isolation', params: [] }, { query: 'SHOW transaction_read_only', params: [] }] },
      { 'Neon-Batch-Isolation-Level': 'Serializable', 'Neon-Batch-Read-Only': 'true' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('neon-batch-isolation-level')).toBe('Serializable');
    const { results } = await res.json();
    expect(results.map((r: { rows: string[][] }) => r.rows[0]![0])).toEqual(['serializable', 'on']);

    const failed = await post({ queries: [
      { query: 'INSERT INTO bridged VALUES (1)', params: [] },
      { query: 'INSERT INTO bridged VALUES (1)', params: [] },
    ] });
    expect(failed.status).toBe(400);
    expect((await failed.json()).code).toBe('23505');
    expect((await (await post({ query: 'SELECT count(*) FROM bridged', params: [] })).json()).rows).toEqual([['0']]);
  });

  it('closes open WebSocket tunnels when it shuts down', async () => {
    const own = await startNeonBridge({ pgUrl: db.url });
    const sql = createNeonPoolSql({ url: db.url, wsProxy: (h, p) => `${own.wsHost}/v1?address=${h}:${p}`, secure: false, webSocketConstructor: ws });
    const direct = createPgSql({ url: db.url });
    try {
      const pid = (await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
      const alive = async () => (await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid]))[0]!.n;
      expect(await alive()).toBe(1);
      // the bridge shuts down while the client still holds its tunnel open (the pool is not closed)
      await own.close();
      // the tunnel was torn down by the bridge: the next query through it fails, and the
      // PostgreSQL session behind it ends (the server notices the closed socket)
      await expect(sql.query('SELECT 1')).rejects.toBeDefined();
      for (let i = 0; i < 100 && (await alive()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await alive()).toBe(0);
    } finally {
      await sql.close();
      await direct.close();
    }
  });

  it('reports an unreachable PostgreSQL as StrataError(unavailable)', async () => {
    const sql = createPgSql({ url: `postgres://postgres@127.0.0.1:${await closedPort()}/x` });
    const e = await sql.query('SELECT 1').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StrataError);
    expect(e).toMatchObject({ code: 'unavailable' });
    await sql.close();
  });

  it('reports a connection the server drops (57P01) as unavailable, and a bad statement as SqlError', async () => {
    const sql = createPgSql({ url: db.url, max: 1 });
    const dropped = await sql.query('SELECT pg_terminate_backend(pg_backend_pid())').then(() => null, (e: unknown) => e);
    expect(dropped).toBeInstanceOf(StrataError);
    expect(dropped).toMatchObject({ code: 'unavailable' });
    // the pool replaces the dropped connection; a wrong statement is the caller's error, not an outage
    const wrong = await sql.query('SELECT no_such_column FROM pg_class').then(() => null, (e: unknown) => e);
    expect(wrong).not.toBeInstanceOf(StrataError);
    expect(wrong).toMatchObject({ name: 'SqlError', code: '42703' });
    await sql.close();
  });
});
