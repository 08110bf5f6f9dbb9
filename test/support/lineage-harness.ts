/**
 * Shared helpers for the lineage suites: the OpenLineage fixtures (read from the shared steering
 * folder next to the repository) and a migrated Sql per store.
 */
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { createNeonHttpSql } from '@strata/core/adapters/sql/neon-http';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { readMigrations } from '@strata/core/migrate/files';
import { migrateFrom } from '@strata/core/migrate/runner';
import type { Sql } from '@strata/core/ports/sql';
import { startNeonBridge } from './neon-bridge';
import { createTestDatabase } from './pg';
import { describeWith } from './reachable';

export const FIXTURES = new URL('../fixtures/openlineage/', import.meta.url);

/** Parsed JSON of one fixture, by path relative to the fixtures folder. */
export async function fixture(rel: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(rel, FIXTURES), 'utf8'));
}

/** Every `*.json` fixture path below a fixtures sub-folder, sorted. */
export async function fixtureFiles(folder: string): Promise<string[]> {
  const names = await readdir(new URL(folder, FIXTURES));
  return names.filter((n) => n.endsWith('.json')).sort().map((n) => `${folder}${n}`);
}

/** The Marquez demo seed with its time placeholders filled the way docker/seed.sh does. */
export async function seedEvents(start = new Date('2024-05-01T10:00:00.000Z')): Promise<unknown[]> {
  const text = await readFile(new URL('marquez-repo/seed/metadata.template.json', FIXTURES), 'utf8');
  const filled = text
    .replaceAll('{{RUN_START_TIME}}', start.toISOString())
    .replace(/\{\{RUN_END_TIME_AFTER_(\d+)_MINUTES\}\}/g, (_m, n: string) => new Date(start.getTime() + Number(n) * 60_000).toISOString());
  return JSON.parse(filled) as unknown[];
}

/** Applies the lineage migrations (0020–0029) with the core migration runner. */
export async function migrateLineage(sql: Sql): Promise<void> {
  const files = (await readMigrations()).filter((f) => /^002\d_/.test(f.name));
  await migrateFrom(sql, files);
}

export type OpenStore = () => Sql;

/**
 * Registers `suite` once per store: PGlite always; when local PostgreSQL is reachable, a throwaway
 * database through the node-postgres adapter and another through Neon's HTTP driver (the
 * bridge). Each `open` returns its store migrated; `store()` returns it, and tables are emptied
 * before each test so every test seeds its own data.
 */
export async function forEachLineageStore(name: string, suite: (store: OpenStore) => void): Promise<void> {
  const register = (label: string, open: () => Promise<{ sql: Sql; done: () => Promise<void> }>) =>
    describe(`${name} [${label}]`, () => {
      let sql: Sql | undefined;
      let done: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        ({ sql, done } = await open());
      });
      afterAll(async () => {
        await sql?.close();
        await done?.();
      });
      beforeEach(async () => {
        await sql!.query(
          'TRUNCATE ol_event_hashes, ol_events, ol_jobs, ol_runs, ol_datasets, ol_edges, ol_job_io RESTART IDENTITY CASCADE',
        );
      });
      suite(() => sql!);
    });

  register('pglite', async () => {
    const sql = await createPgliteSql();
    await migrateLineage(sql);
    return { sql, done: async () => {} };
  });
  await describeWith(['postgres'], `${name} on PostgreSQL`, () => {
    register('postgres', async () => {
      const db = await createTestDatabase('strata_ol');
      const sql = createPgSql({ url: db.url, max: 2 });
      await migrateLineage(sql);
      return { sql, done: () => db.drop() };
    });
    // Neon's HTTP transport, as Workers and Lambda use it: a batch is one HTTP transaction, so the
    // statements of an ingest batch (and the setting the first one leaves for the others) share it
    register('neon-http', async () => {
      const db = await createTestDatabase('strata_oln');
      // migrations take an interactive transaction, which the HTTP driver alone does not offer
      const migrator = createPgSql({ url: db.url, max: 1 });
      await migrateLineage(migrator);
      await migrator.close();
      const bridge = await startNeonBridge({ pgUrl: db.url });
      return {
        sql: createNeonHttpSql({ url: db.url, fetchEndpoint: bridge.httpUrl }),
        done: async () => {
          await bridge.close();
          await db.drop();
        },
      };
    });
  });
}
