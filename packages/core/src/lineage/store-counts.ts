/**
 * Dataset and edge counts for /openlineage/health. `pg_class.reltuples` is only an estimate and
 * reads 0 (or -1) until the table is first analysed — a store with 10 datasets reported 0. So the
 * rows are counted exactly up to COUNT_CAP (an index-only scan that stops there, a bounded cost),
 * and only a table larger than that falls back to the planner's estimate, flagged `exact: false`.
 */
import type { Call, NoInput } from '../context';
import type { SqlSession } from '../ports/sql';

export const COUNT_CAP = 10_000;

export interface StoreCount {
  readonly count: number;
  /** False when the table holds more than COUNT_CAP rows and `count` is the planner's estimate. */
  readonly exact: boolean;
}

interface Row {
  [k: string]: unknown;
  datasets: number;
  datasets_est: number | null;
  edges: number;
  edges_est: number | null;
}

export async function lineageStoreCounts(call: Call<{ readonly sql: SqlSession }, NoInput>): Promise<{ datasets: StoreCount; edges: StoreCount }> {
  const { sql } = call.deps;
  // one more than the cap tells "exactly the cap" from "more than the cap"
  const rows = await sql.query<Row>(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM ol_datasets LIMIT $1) d)::int AS datasets,
            (SELECT reltuples FROM pg_class WHERE oid = 'ol_datasets'::regclass)::float8 AS datasets_est,
            (SELECT count(*) FROM (SELECT 1 FROM ol_edges LIMIT $1) e)::int AS edges,
            (SELECT reltuples FROM pg_class WHERE oid = 'ol_edges'::regclass)::float8 AS edges_est`,
    [COUNT_CAP + 1],
  );
  const r = rows[0];
  const of = (counted: unknown, estimate: unknown): StoreCount => {
    const n = Number(counted ?? 0);
    if (n <= COUNT_CAP) return { count: n, exact: true };
    return { count: Math.max(COUNT_CAP + 1, Math.round(Number(estimate ?? 0))), exact: false };
  };
  return { datasets: of(r?.datasets, r?.datasets_est), edges: of(r?.edges, r?.edges_est) };
}
