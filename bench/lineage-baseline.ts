/**
 * The seed's traversal, kept only as the benchmark baseline: breadth-first, one adjacency read
 * per visited node (the Redis-SET walk of origin D41, transposed onto the edge table), then the
 * visited nodes enriched with their names and latest facets — the seed's algorithm does that too
 * (origin.md §6, "enrich each node with the latest_facets_json badges"), and without it the
 * baseline would answer less than the endpoint does. The enrichment is one batched read, the
 * cheapest way to do it, so the baseline's cost is its per-node walk. Do not use it to serve
 * requests (it is not part of the shipped package); `lineageGraph` does the same walk and
 * enrichment in one round trip.
 */
import type { Sql } from '@strata/core/ports/sql';

export interface BaselineResult {
  readonly nodes: number;
  /** Every visited dataset with its latest facets. */
  readonly datasets: readonly { readonly namespace: string; readonly name: string; readonly facets: unknown }[];
  readonly edges: number;
  /** Round trips spent (one per adjacency read, plus the root lookup). */
  readonly queries: number;
}

/** BFS from one dataset over ol_edges with one query per node and direction. */
export async function seedBaselineBfs(
  sql: Sql,
  input: { namespace: string; name: string; depth: number; direction: 'up' | 'down' | 'both' },
): Promise<BaselineResult | null> {
  let queries = 1;
  const root = await sql.query<{ id: string }>(`SELECT id::text AS id FROM ol_datasets WHERE namespace = $1 AND name = $2`, [
    input.namespace,
    input.name,
  ]);
  const rootId = root[0]?.id;
  if (rootId === undefined) return null;
  const visited = new Set([rootId]);
  const edges = new Set<string>();
  const dirs = input.direction === 'both' ? (['up', 'down'] as const) : ([input.direction] as const);
  for (const dir of dirs) {
    let frontier = [rootId];
    const seen = new Set([rootId]);
    for (let d = 0; d < input.depth && frontier.length > 0; d++) {
      const next: string[] = [];
      for (const id of frontier) {
        queries++;
        const text =
          dir === 'down'
            ? `SELECT dst_id::text AS other FROM ol_edges WHERE src_id = $1::bigint`
            : `SELECT src_id::text AS other FROM ol_edges WHERE dst_id = $1::bigint`;
        for (const { other } of await sql.query<{ other: string }>(text, [id])) {
          edges.add(dir === 'down' ? `${id}>${other}` : `${other}>${id}`);
          visited.add(other);
          if (!seen.has(other)) {
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
  }
  queries++;
  const datasets = await sql.query<{ namespace: string; name: string; facets: unknown }>(
    `SELECT namespace, name, facets FROM ol_datasets WHERE id = ANY($1::bigint[])`,
    [[...visited]],
  );
  return { nodes: visited.size, datasets, edges: edges.size, queries };
}
