/**
 * Round-trip cost of `SELECT 1` through each Sql path, against a node-postgres client as the
 * baseline. The Neon paths go through the local bridge (test/support/neon-bridge.ts) running in
 * its own process, so they measure driver + proxy overhead on loopback, not Neon's network.
 * Paths needing PostgreSQL are left out when it is unreachable.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import ws from 'ws';
import { z } from 'zod';
import { createNeonHttpSql } from '../../packages/core/src/adapters/sql/neon-http';
import { createNeonPoolSql } from '../../packages/core/src/adapters/sql/neon-pool';
import { createPgSql } from '../../packages/core/src/adapters/sql/pg-pool';
import { createPgliteSql } from '../../packages/core/src/adapters/sql/pglite';
import type { Sql } from '../../packages/core/src/ports/sql';
import { PG_URL, reachable } from '../../test/support/reachable';
import { measure, type Percentiles } from './measure';

const optionsSchema = z.object({ iterations: z.number().int().min(1).max(100_000) });

async function measureSql(iterations: number, sql: Sql): Promise<Percentiles> {
  try {
    return await measure(iterations, () => sql.query('SELECT 1'));
  } finally {
    await sql.close();
  }
}

/** Starts the bridge in a child process; resolves with its port and a stop function. */
export async function bridgeProcess(pgUrl: string, opts: { poolMax?: number } = {}): Promise<{ port: number; stop: () => Promise<void> }> {
  const entry = fileURLToPath(new URL('./neon-bridge-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, STRATA_BRIDGE_PG_URL: pgUrl, STRATA_BRIDGE_POOL_MAX: String(opts.poolMax ?? 4) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bridge process exited early (${code})`)));
    child.stdout.once('data', (d: Buffer) => resolve(z.object({ port: z.number() }).parse(JSON.parse(String(d))).port));
  });
  return {
    port,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

/** Measures SELECT 1 round trips through every Sql path; keys name the path. */
export async function benchSql(opts: { iterations: number }): Promise<Record<string, Percentiles>> {
  const { iterations } = optionsSchema.parse(opts);
  const out: Record<string, Percentiles> = {};
  out['pglite (in memory)'] = await measureSql(iterations, await createPgliteSql());
  if (!(await reachable('postgres'))) return out;

  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    out['pg client (baseline)'] = await measure(iterations, () => client.query('SELECT 1'));
  } finally {
    await client.end();
  }
  out['pg pool adapter'] = await measureSql(iterations, createPgSql({ url: PG_URL }));

  const bridge = await bridgeProcess(PG_URL);
  try {
    const fetchEndpoint = `http://127.0.0.1:${bridge.port}/sql`;
    out['neon-http via bridge'] = await measureSql(iterations, createNeonHttpSql({ url: PG_URL, fetchEndpoint }));
    out['neon-pool via ws bridge'] = await measureSql(iterations, createNeonPoolSql({
      url: PG_URL,
      wsProxy: (host, port) => `127.0.0.1:${bridge.port}/v1?address=${host}:${port}`,
      secure: false,
      webSocketConstructor: ws,
    }));
  } finally {
    await bridge.stop();
  }
  return out;
}

// `npx tsx bench/rtt/sql.ts [iterations]` prints the table on its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const iterations = Number(process.argv[2] ?? 500);
  console.table(await benchSql({ iterations }));
}
