/**
 * The seed's traversal, kept only as the benchmark baseline: breadth-first, one adjacency read
 * per visited node (the Redis-SET walk of origin D41, transposed onto the edge table). Do not
 * use it to serve requests; `lineageGraph` does the same walk in one round trip.
 */
import type { Sql } from '../ports/sql';

export interface BaselineResult {
  readonly nodes: number;
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
  return { nodes: visited.size, edges: edges.size, queries };
}
