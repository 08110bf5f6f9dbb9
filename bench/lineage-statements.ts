/**
 * Where an ingest batch's PostgreSQL time goes: the statements `buildIngestStatements` makes for
 * 500 distinct RunEvents (the shape bench/lineage.ts posts), executed one by one in one
 * transaction on one connection and timed each, over 40 batches after 20 untimed ones, on a
 * fresh database. Node's share (validation, hashing, building the parameters) is timed beside
 * it. `npm run bench:lineage-statements`; prints ms per batch, writes nothing.
 */
import pg from 'pg';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { buildIngestStatements, prepareEvents } from '@strata/core/lineage/ingest';
import { migrate } from '@strata/core/migrate/files';
import { createTestDatabase } from '../test/support/pg';
import { syntheticEvent } from './lineage-events';

const BATCH = 500;
const WARM = 20;
const TIMED = 40;
const NAMES = ['events', 'runs', 'new datasets', 'new jobs', 'job links', 'edges', 'job merge', 'dataset merge'];

const events = (b: number) => Array.from({ length: BATCH }, (_, i) => syntheticEvent(b * BATCH + i));

const db = await createTestDatabase('strata_bench_ols');
const sql = createPgSql({ url: db.url, max: 1 });
await migrate(sql);
await sql.close();
const client = new pg.Client({ connectionString: db.url });
await client.connect();
const total = new Map<string, number>();
const add = (k: string, ms: number) => total.set(k, (total.get(k) ?? 0) + ms);
try {
  for (let b = 0; b < WARM + TIMED; b++) {
    const timed = b >= WARM;
    const t0 = performance.now();
    const { prepared } = await prepareEvents(events(b));
    const statements = buildIngestStatements(prepared);
    if (timed) add('node: validate, hash, build', performance.now() - t0);
    await client.query('BEGIN');
    for (const [i, s] of statements.entries()) {
      const t = performance.now();
      await client.query(s.text, s.params as unknown[]);
      if (timed) add(NAMES[i] ?? `statement ${i + 1}`, performance.now() - t);
    }
    const t = performance.now();
    await client.query('COMMIT');
    if (timed) add('commit', performance.now() - t);
  }
  let sqlMs = 0;
  for (const [k, ms] of total) {
    console.log(`${k.padEnd(28)} ${(ms / TIMED).toFixed(1).padStart(6)} ms/batch`);
    if (!k.startsWith('node')) sqlMs += ms / TIMED;
  }
  console.log(`${'postgresql, all statements'.padEnd(28)} ${sqlMs.toFixed(1).padStart(6)} ms/batch → ${Math.round((BATCH / sqlMs) * 1000)} events/s on one connection`);
} finally {
  await client.end();
  await db.drop();
}
