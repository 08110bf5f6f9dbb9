/**
 * The behaviour every Sql adapter must show (ports/sql.ts), as one suite run against each adapter
 * by sql.contract.test.ts. Each test uses its own tables, so the suites can share a database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '@strata/core/adapters/sql/errors';
import { StrataError } from '@strata/core/errors';
import { isUniqueViolation, sqlState, stmt, type Sql } from '@strata/core/ports/sql';

export interface ContractOptions {
  /** false for adapters that cannot hold a transaction open (neon-http without sessions). */
  readonly interactive: boolean;
}

const table = (base: string) => `${base}_${randomBytes(4).toString('hex')}`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

/** Registers the contract suite for one adapter; `makeSql` runs once, before the suite. */
export function sqlContract(name: string, makeSql: () => Promise<Sql>, options: ContractOptions): void {
  describe(`Sql contract: ${name}`, () => {
    let sql: Sql;
    beforeAll(async () => {
      sql = await makeSql();
    });
    afterAll(async () => {
      await sql?.close();
    });

    it('maps every result type as the port says', async () => {
      const [row] = await sql.query(`SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS i8,
        1.5::float8 AS f8, 2.5::float4 AS f4, 12345678901234567890.123::numeric AS num, true AS b,
        '{"x":[1,"y"]}'::jsonb AS jb, '{"z":null}'::json AS j,
        '2024-01-02T03:04:05.678Z'::timestamptz AS tz, '2024-01-02 03:04:05.678'::timestamp AS ts,
        '2024-05-06'::date AS d, '\\x0102ff'::bytea AS by, ARRAY['a', 'b c', NULL]::text[] AS ta,
        ARRAY[1, 2]::int4[] AS ia, ARRAY[9007199254740993]::int8[] AS i8a, NULL::text AS n,
        'é✓'::text AS t, '7c9e6679-7425-40de-944b-e07fc1f90ae7'::uuid AS u`);
      expect(row).toEqual({
        i2: 1, i4: 2, i8: '9007199254740993', f8: 1.5, f4: 2.5, num: '12345678901234567890.123', b: true,
        jb: { x: [1, 'y'] }, j: { z: null }, tz: new Date('2024-01-02T03:04:05.678Z'),
        ts: new Date('2024-01-02T03:04:05.678Z'), d: '2024-05-06', by: new Uint8Array([1, 2, 255]),
        ta: ['a', 'b c', null], ia: [1, 2], i8a: ['9007199254740993'], n: null, t: 'é✓',
        u: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      });
      // Plain Uint8Array, not a Node Buffer: the Workers build has no Buffer.
      expect(Object.getPrototypeOf(row!.by)).toBe(Uint8Array.prototype);
    });

    it('round-trips every supported parameter type through typed columns', async () => {
      const t = table('params');
      await sql.query(`CREATE TABLE ${t} (s text, i int4, big int8, f float8, b bool, j jsonb,
        at timestamptz, bytes bytea, tags text[], nums int4[], nothing text)`);
      const at = new Date('2025-06-07T08:09:10.123Z');
      const bytes = new Uint8Array([0, 1, 127, 128, 255]);
      await sql.query(`INSERT INTO ${t} VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)`, [
        "it's \"quoted\" ✓", -42, '9223372036854775807', 3.25, false, '{"k":["v",2]}', at, bytes, ['x', 'y,z', '"q"'], [3, -4], null,
      ]);
      const rows = await sql.query(`SELECT * FROM ${t}`);
      expect(rows).toEqual([{
        s: "it's \"quoted\" ✓", i: -42, big: '9223372036854775807', f: 3.25, b: false, j: { k: ['v', 2] },
        at, bytes, tags: ['x', 'y,z', '"q"'], nums: [3, -4], nothing: null,
      }]);
      const [empty] = await sql.query<{ e: Uint8Array; n: number }>('SELECT $1::bytea AS e, $2::int4 AS n', [new Uint8Array(0), 7]);
      expect(empty).toEqual({ e: new Uint8Array(0), n: 7 });
    });

    it('returns [] for a statement without rows', async () => {
      const t = table('norows');
      expect(await sql.query(`CREATE TABLE ${t} (id int)`)).toEqual([]);
      expect(await sql.query(`SELECT * FROM ${t}`)).toEqual([]);
    });

    it('rejects a bad statement with a SqlError carrying the SQLSTATE', async () => {
      const syntax = await rejection(sql.query('SELEC 1'));
      expect(syntax).toBeInstanceOf(SqlError);
      expect(sqlState(syntax)).toBe('42601');
      const zero = await rejection(sql.query('SELECT 1 / $1::int4 AS x', [0]));
      expect(zero).toMatchObject({ name: 'SqlError', code: '22012' });
      const missing = await rejection(sql.query('SELECT * FROM no_such_table_here'));
      expect(sqlState(missing)).toBe('42P01');
    });

    it('makes a unique violation detectable (23505, with the constraint name)', async () => {
      const t = table('uniq');
      await sql.query(`CREATE TABLE ${t} (k text CONSTRAINT ${t}_k UNIQUE)`);
      await sql.query(`INSERT INTO ${t} VALUES ($1)`, ['a']);
      const e = await rejection(sql.query(`INSERT INTO ${t} VALUES ($1)`, ['a']));
      expect(isUniqueViolation(e)).toBe(true);
      expect(e).toMatchObject({ code: '23505', constraint: `${t}_k`, table: t });
      expect(await sql.query(`SELECT count(*)::int4 AS n FROM ${t}`)).toEqual([{ n: 1 }]);
    });

    it('runs a batch atomically and returns each statement\'s rows', async () => {
      const t = table('batch');
      await sql.query(`CREATE TABLE ${t} (id int4 PRIMARY KEY, v text)`);
      const results = await sql.batch([
        stmt(`INSERT INTO ${t} VALUES ($1, $2) RETURNING id`, [1, 'a']),
        stmt(`INSERT INTO ${t} VALUES ($1, $2)`, [2, 'b']),
        stmt(`SELECT v FROM ${t} ORDER BY id`),
      ]);
      expect(results).toEqual([[{ id: 1 }], [], [{ v: 'a' }, { v: 'b' }]]);

      const e = await rejection(sql.batch([
        stmt(`INSERT INTO ${t} VALUES ($1, $2)`, [3, 'c']),
        stmt(`UPDATE ${t} SET v = $1 WHERE id = $2`, ['changed', 1]),
        stmt(`INSERT INTO ${t} VALUES ($1, $2)`, [2, 'duplicate']),
      ]));
      expect(isUniqueViolation(e)).toBe(true);
      expect(await sql.query(`SELECT id, v FROM ${t} ORDER BY id`)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
      expect(await sql.batch([])).toEqual([]);
    });

    it('runs many concurrent queries correctly', async () => {
      const ns = Array.from({ length: 25 }, (_, i) => i);
      const out = await Promise.all(ns.map((n) => sql.query<{ n: number; s: string }>('SELECT $1::int4 AS n, $2::text AS s', [n, `v${n}`])));
      expect(out).toEqual(ns.map((n) => [{ n, s: `v${n}` }]));
    });

    it('answers a prepared statement like an unprepared one, concurrently, on every connection', async () => {
      const text = 'SELECT $1::int4 * 2 AS n, $2::text AS s';
      const ns = Array.from({ length: 25 }, (_, i) => i);
      const out = await Promise.all(ns.map((n) => sql.query<{ n: number; s: string }>(text, [n, `p${n}`], { prepare: 'contract_double_v1' })));
      expect(out).toEqual(ns.map((n) => [{ n: n * 2, s: `p${n}` }]));
      expect(await sql.query(text, [4, 'x'])).toEqual([{ n: 8, s: 'x' }]);
    });

    it('prepares a named statement once per pooled connection (node-postgres, Neon Pool)', async () => {
      if (!options.interactive) return; // one round trip per statement over HTTP: nothing to keep a plan on
      const names = await sql.transaction(async (tx) => {
        expect(await tx.query('SELECT $1::int4 + 1 AS n', [1], { prepare: 'contract_plus_one_v1' })).toEqual([{ n: 2 }]);
        expect(await tx.query('SELECT $1::int4 + 1 AS n', [2], { prepare: 'contract_plus_one_v1' })).toEqual([{ n: 3 }]);
        return tx.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
      });
      // PGlite ignores the option; every pooled connection (node-postgres, a Neon Pool) keeps the plan
      if (sql.kind === 'pglite') expect(names.map((r) => r.name)).not.toContain('contract_plus_one_v1');
      else expect(names.map((r) => r.name)).toContain('contract_plus_one_v1');
    });

    if (!options.interactive) {
      it('refuses interactive transactions with StrataError(internal)', async () => {
        const e = await rejection(sql.transaction(async (tx) => tx.query('SELECT 1')));
        expect(e).toBeInstanceOf(StrataError);
        expect(e).toMatchObject({ code: 'internal' });
      });
      return;
    }

    it('commits a transaction and returns its result', async () => {
      const t = table('txok');
      await sql.query(`CREATE TABLE ${t} (id int4)`);
      const result = await sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES ($1)`, [1]);
        const seen = await tx.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM ${t}`);
        await tx.query(`INSERT INTO ${t} VALUES ($1)`, [seen[0]!.n + 1]);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await sql.query(`SELECT id FROM ${t} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    });

    it('rolls a transaction back when fn throws, rethrowing the same error', async () => {
      const t = table('txfail');
      await sql.query(`CREATE TABLE ${t} (id int4 PRIMARY KEY)`);
      const boom = new StrataError('conflict', 'decided to abort');
      const e = await rejection(sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES (1)`);
        throw boom;
      }));
      expect(e).toBe(boom);
      const dup = await rejection(sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES (2)`);
        await tx.query(`INSERT INTO ${t} VALUES (2)`);
      }));
      expect(sqlState(dup)).toBe('23505');
      expect(await sql.query(`SELECT * FROM ${t}`)).toEqual([]);
    });

    it('never shows another caller an uncommitted write', async () => {
      const t = table('txiso');
      await sql.query(`CREATE TABLE ${t} (id int4)`);
      let inserted!: () => void;
      const insertedP = new Promise<void>((r) => (inserted = r));
      const tx = sql.transaction(async (s) => {
        await s.query(`INSERT INTO ${t} VALUES (1)`);
        inserted();
        await new Promise((r) => setTimeout(r, 50));
        throw new Error('roll back');
      });
      await insertedP;
      // PGlite queues this behind the transaction; servers isolate it. Either way: no row.
      expect(await sql.query(`SELECT * FROM ${t}`)).toEqual([]);
      await expect(tx).rejects.toThrow('roll back');
    });

    it('serialises concurrent transactions on the same row', async () => {
      const t = table('txcount');
      await sql.query(`CREATE TABLE ${t} (id int4 PRIMARY KEY, n int4)`);
      await sql.query(`INSERT INTO ${t} VALUES (1, 0)`);
      await Promise.all(Array.from({ length: 8 }, () => sql.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>(`SELECT n FROM ${t} WHERE id = 1 FOR UPDATE`);
        await tx.query(`UPDATE ${t} SET n = $1 WHERE id = 1`, [row!.n + 1]);
      })));
      expect(await sql.query(`SELECT n FROM ${t}`)).toEqual([{ n: 8 }]);
    });

    it('runs multi-statement scripts with exec inside a transaction (migrations)', async () => {
      const t = table('script');
      await sql.transaction(async (tx) => {
        expect(tx.exec).toBeTypeOf('function');
        await tx.exec!(`CREATE TABLE ${t} (id int4); INSERT INTO ${t} VALUES (1); INSERT INTO ${t} VALUES (2);`);
      });
      expect(await sql.query(`SELECT count(*)::int4 AS n FROM ${t}`)).toEqual([{ n: 2 }]);
      const e = await rejection(sql.transaction((tx) => tx.exec!(`CREATE TABLE ${t}_b (id int4); SELECT 1/0;`)));
      expect(sqlState(e)).toBe('22012');
      expect(await sql.query(`SELECT to_regclass($1) AS r`, [`${t}_b`])).toEqual([{ r: null }]);
    });
  });
}
