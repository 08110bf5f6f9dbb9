/**
 * Depth-5 `direction=both` graph statement: the current one (every edge among the union of the
 * two walks' nodes) against the one it replaced (each walk's own edges, unioned in Node), timed in
 * the same run on the same database, interleaved root by root with the order alternating, on the
 * synthetic DAG of `npm run bench:lineage` (20 layers × 5,000 datasets, ~200k edges from layer L
 * to L+1; vacuumed and analysed) with its 120 seeded roots from the middle layers. The statement
 * is timed as `lineageGraph` sends it (the same parameters, maxNodes 500) straight on PostgreSQL
 * over node-postgres, request to result. The old statement runs twice per root (A/A): the spread
 * between its two arms is the run's noise. Output: bench/results/lineage-both.json.
 * `npx tsx bench/lineage-both.ts` (about a minute).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { OL_QUERY_LIMITS } from '@strata/core/lineage/limits';
import { lineageSql, walkSql } from '@strata/core/lineage/query';
import { migrate } from '@strata/core/migrate/files';
import { createTestDatabase } from '../test/support/pg';
import { dsName, pct, prng } from './sampling';

const LAYERS = 20;
const PER_LAYER = 5000;
const EDGES = 200_000;
const NS = 'bench';
const DEPTH = 5;
const ROUNDS = 5;

/** The statement before edges were joined over both walks: two walks, each with its own edges. */
const OLD_BOTH = `SELECT row_to_json(up) AS up, row_to_json(down) AS down\nFROM (${walkSql('up', true)}\n) AS up,\n(${walkSql('down', true)}\n) AS down`;
const NEW_BOTH = lineageSql(['up', 'down']);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50Ms: pct(s, 50), p90Ms: pct(s, 90), p99Ms: pct(s, 99), n: s.length };
};

async function main(): Promise<void> {
  const db = await createTestDatabase('strata_bench_olb');
  const sql = createPgSql({ url: db.url, max: 1 });
  try {
    await migrate(sql);
    await sql.query(
      `INSERT INTO ol_datasets (namespace, name, facets_time)
       SELECT $1, 'l' || lpad(l::text, 2, '0') || '.d' || lpad(i::text, 5, '0'), now()
       FROM generate_series(0, $2::int - 1) l, generate_series(0, $3::int - 1) i`,
      [NS, LAYERS, PER_LAYER],
    );
    await sql.query(
      `WITH ids AS (SELECT id, substr(name, 2, 2)::int AS layer, substr(name, 6)::int AS i FROM ol_datasets WHERE namespace = $1),
       pairs AS (
         SELECT (g % ($2::int - 1)) AS layer, abs(hashint4(g) % $3::int) AS si, abs(hashint4(g + 1000003) % $3::int) AS di
         FROM generate_series(1, $4::int) g
       )
       INSERT INTO ol_edges (src_id, dst_id, first_seen, last_seen)
       SELECT s.id, d.id, now(), now() FROM pairs p
       JOIN ids s ON s.layer = p.layer AND s.i = p.si JOIN ids d ON d.layer = p.layer + 1 AND d.i = p.di
       ON CONFLICT DO NOTHING`,
      [NS, LAYERS, PER_LAYER, EDGES + 2000],
    );
    for (const t of ['ol_datasets', 'ol_edges']) await sql.query(`VACUUM (ANALYZE) ${t}`);

    // the same 120 roots as bench/lineage.ts
    const rand = prng(20250101);
    const picks = new Set<string>();
    while (picks.size < 120) picks.add(dsName(7 + Math.floor(rand() * 6), Math.floor(rand() * PER_LAYER)));
    const roots = [...picks];
    const maxNodes = OL_QUERY_LIMITS.defaultMaxNodes;
    const params = (name: string) => [JSON.stringify([{ namespace: NS, name }]), DEPTH, (maxNodes + 1) * (DEPTH + 1), maxNodes];
    const edgeCount = (row: Record<string, unknown>, which: 'old' | 'new') => {
      const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as { edges?: unknown[] };
      // distinct edges, as lineageGraph keeps them (the root is in both walks, so the new statement sends its edges twice)
      const all = which === 'new' ? (parse(row.edges) as unknown as unknown[]) : [...(parse(row.up).edges ?? []), ...(parse(row.down).edges ?? [])];
      return new Set(all.map((e) => JSON.stringify(e))).size;
    };

    // warm both plans and the buffer cache
    for (const r of roots.slice(0, 20)) {
      await sql.query(OLD_BOTH, params(r));
      await sql.query(NEW_BOTH, params(r));
    }
    type Arm = 'old' | 'oldAgain' | 'new';
    const arms: Arm[] = ['old', 'oldAgain', 'new'];
    const ms: Record<Arm, number[]> = { old: [], oldAgain: [], new: [] };
    const edges = { old: 0, new: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, r] of roots.entries()) {
        const k = (i + round) % 3;
        for (const which of [...arms.slice(k), ...arms.slice(0, k)]) {
          const t0 = performance.now();
          const rows = await sql.query(which === 'new' ? NEW_BOTH : OLD_BOTH, params(r));
          ms[which].push(performance.now() - t0);
          if (round === 0 && which !== 'oldAgain') edges[which] += edgeCount(rows[0] as Record<string, unknown>, which);
        }
      }
    }
    const results = {
      when: new Date().toISOString(),
      graph: { datasets: LAYERS * PER_LAYER, layers: LAYERS, roots: roots.length, depth: DEPTH, rounds: ROUNDS },
      oldUnionOfWalks: stats(ms.old),
      oldUnionOfWalksAgain: stats(ms.oldAgain),
      newEdgesAmongUnion: stats(ms.new),
      edgesSummedOverRoots: edges,
      loadavg: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
      note: 'interleaved per root, order rotating; straight on PostgreSQL over node-postgres, one connection; old twice (A/A) for the noise',
    };
    console.log(JSON.stringify(results, null, 2));
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/lineage-both.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  } finally {
    await sql.close();
    await db.drop();
  }
}

await main();
