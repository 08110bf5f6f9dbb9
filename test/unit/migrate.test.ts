import { describe, expect, it } from 'vitest';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { MigrationError, migrateFrom, orderMigrations, pendingMigrations } from '@strata/core/migrate/runner';
import { readMigrations } from '@strata/core/migrate/files';
import { createTestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

const files = [
  { name: '0001_a.sql', sql: 'CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);' },
  { name: '0002_b.sql', sql: "CREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;" },
];

describe('migration runner (PGlite)', () => {
  it('applies files in order, once, and records checksums', async () => {
    const sql = await createPgliteSql();
    expect((await migrateFrom(sql, [...files].reverse())).applied).toEqual(['0001_a.sql', '0002_b.sql']);
    expect((await migrateFrom(sql, files)).applied).toEqual([]);
    const rows = await sql.query<{ id: number; checksum: string }>('SELECT id, checksum FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
    expect(rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    await sql.close();
  });

  it('refuses to start when an applied file was edited or removed', async () => {
    const sql = await createPgliteSql();
    await migrateFrom(sql, files);
    const edited = [files[0]!, { ...files[1]!, sql: `${files[1]!.sql}\n-- tweak` }];
    await expect(migrateFrom(sql, edited)).rejects.toThrow(/0002_b\.sql was edited/);
    await expect(migrateFrom(sql, [files[0]!])).rejects.toThrow(/0002_b\.sql is missing/);
    await sql.close();
  });

  it('rolls a failing file back entirely and applies nothing after it', async () => {
    const sql = await createPgliteSql();
    const bad = [files[0]!, { name: '0002_bad.sql', sql: 'CREATE TABLE c (id int);\nSELECT no_such_function();' }, { name: '0003_c.sql', sql: 'CREATE TABLE d (id int);' }];
    await expect(migrateFrom(sql, bad)).rejects.toBeInstanceOf(MigrationError);
    const tables = await sql.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.map((r) => r.t)).toEqual(['a', 'schema_migrations']);
    await sql.close();
  });

  it('lists pending migrations without applying anything: all on an empty database, then only the new ones', async () => {
    const sql = await createPgliteSql();
    expect(await pendingMigrations(sql, files)).toEqual(['0001_a.sql', '0002_b.sql']);
    expect(await sql.query("SELECT to_regclass('schema_migrations')::text AS t")).toEqual([{ t: null }]);
    await migrateFrom(sql, [files[0]!]);
    expect(await pendingMigrations(sql, files)).toEqual(['0002_b.sql']);
    await migrateFrom(sql, files);
    expect(await pendingMigrations(sql, files)).toEqual([]);
    await sql.close();
  });

  it('rejects malformed and duplicate file names', () => {
    expect(() => orderMigrations([{ name: 'init.sql', sql: '' }])).toThrow(/0001_name\.sql/);
    expect(() => orderMigrations([{ name: '0001_a.sql', sql: '' }, { name: '0001_b.sql', sql: '' }])).toThrow(/share the number/);
  });

  it("applies the repository's migrations on the embedded database", async () => {
    const sql = await createPgliteSql();
    const repo = await readMigrations();
    const { applied } = await migrateFrom(sql, repo);
    expect(applied.length).toBe(repo.length);
    const parts = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'audit_log'::regclass");
    expect(parts[0]!.n).toBeGreaterThanOrEqual(4); // default + three months ahead
    await sql.close();
  });
});

await describeWith(['postgres'], 'migration runner (PostgreSQL server)', () => {
  it('is safe when several processes migrate at once', async () => {
    const db = await createTestDatabase();
    const runners = Array.from({ length: 4 }, () => createPgSql({ url: db.url, max: 2 }));
    try {
      const repo = await readMigrations();
      const results = await Promise.all(runners.map((sql) => migrateFrom(sql, repo)));
      const all = results.flatMap((r) => r.applied);
      expect(all.sort()).toEqual(repo.map((f) => f.name).sort()); // each file applied exactly once overall
      const rows = await runners[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(repo.length);
    } finally {
      await Promise.all(runners.map((s) => s.close()));
      await db.drop();
    }
  });
});
