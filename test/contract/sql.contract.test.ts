/**
 * Runs the one Sql contract (sql-contract.ts) against every adapter: PGlite always; Neon HTTP and
 * Neon Pool through the local Neon bridge, and node-postgres directly, when PostgreSQL is here.
 */
import pg from 'pg';
import ws from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { createNeonHttpSql } from '@strata/core/adapters/sql/neon-http';
import { createNeonPoolSql } from '@strata/core/adapters/sql/neon-pool';
import { createPgPoolSql } from '@strata/core/adapters/sql/pg-pool';
import type { PgPoolLike } from '@strata/core/adapters/sql/pool-sql';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { startNeonBridge, type NeonBridge } from '../support/neon-bridge';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';
import { sqlContract } from '../support/sql-contract';

sqlContract('pglite (in memory)', () => createPgliteSql(), { interactive: true });

await describeWith(['postgres'], 'Sql adapters on PostgreSQL', () => {
  let db: TestDatabase;
  let bridge: NeonBridge;
  beforeAll(async () => {
    db = await createTestDatabase('strata_sqlc');
    bridge = await startNeonBridge({ pgUrl: db.url });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  sqlContract('neon-http via bridge', async () => createNeonHttpSql({ url: db.url, fetchEndpoint: bridge.httpUrl }), {
    interactive: false,
  });
  sqlContract('neon-http via bridge, transactions on a neon pool', async () => {
    const sessions = createNeonPoolSql({ url: db.url, wsProxy: (h, p) => `${bridge.wsHost}/v1?address=${h}:${p}`, secure: false, webSocketConstructor: ws });
    const http = createNeonHttpSql({ url: db.url, fetchEndpoint: bridge.httpUrl, sessions });
    // Close both: the wrapper owns the pool it was given here.
    return { ...http, close: async () => { await http.close(); await sessions.close(); } };
  }, { interactive: true });
  sqlContract('neon-pool via WebSocket bridge', async () =>
    createNeonPoolSql({ url: db.url, wsProxy: (h, p) => `${bridge.wsHost}/v1?address=${h}:${p}`, secure: false, webSocketConstructor: ws }), {
    interactive: true,
  });
  sqlContract('pg (node-postgres Pool)', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    return createPgPoolSql(pool as unknown as PgPoolLike);
  }, { interactive: true });
});
