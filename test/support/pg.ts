/**
 * A throwaway database per test file on the local PostgreSQL server, so suites never share
 * state. Dropped (with its connections) by `drop()`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL } from './reachable';

export interface TestDatabase {
  /** postgres://… URL of the new database. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** The server's `postgres` database, for CREATE/DROP DATABASE. */
export function adminUrl(): string {
  const u = new URL(PG_URL);
  u.pathname = '/postgres';
  return u.toString();
}

/** `template`: a database to copy (PostgreSQL's CREATE DATABASE … TEMPLATE; nobody may be connected to it). */
export async function createTestDatabase(prefix = 'strata_t', template?: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
