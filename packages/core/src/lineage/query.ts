/**
 * Lineage graph queries: one recursive CTE per direction, in ONE statement (for `both`, the two
 * walks are subqueries of one SELECT): one round trip, and no transaction around it, so a
 * transport that wraps a multi-statement batch in BEGIN/COMMIT (node-postgres, Neon HTTP's
 * batch) is not asked to.
 *
 * Edges: a graph holds EVERY stored edge between two of the nodes it returns, whichever walk
 * reached them (docs/lineage-graphs.md). For `up` and `down` that is the edges among the walk's
 * nodes; for `both` it is the edges among the union of the two walks' nodes, so an edge from an
 * upstream node to a downstream node that bypasses the root is there too (each walk alone cannot
 * see it). At the depth boundary the same rule holds: an edge between two returned nodes is
 * returned even if the walk did not follow it; edges to nodes beyond the boundary are not.
 *
 * The walk is `UNION` over (dataset id, depth): a dataset reached again at the same depth is
 * dropped, cycles end at the depth cap, and the work is bounded by nodes × depth rather than
 * by the number of paths (a path-array walk enumerates paths, which explodes on DAGs with
 * shared ancestry). PostgreSQL evaluates a recursive CTE only as far as its reader pulls, and
 * the walk emits breadth-first, so `LIMIT (maxNodes + 1) × (depth + 1)` rows bounds the work:
 * hitting that limit proves more than maxNodes distinct datasets exist (each appears at most
 * depth + 1 times). The nearest maxNodes are kept and `truncated` is set.
 */
import { fail } from '../errors';
import type { Sql } from '../ports/sql';
import { OL_QUERY_LIMITS } from './limits';
import type { DatasetKey } from './node-id';
import { datasetNodeId, parseNodeId } from './node-id';
import type { Facets } from './schema';

export type Direction = 'up' | 'down' | 'both';

export interface LineageQuery {
  /** `dataset:<namespace>:<name>`; or give namespace + name. */
  readonly node?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly depth?: number;
  readonly direction?: Direction;
  readonly maxNodes?: number;
}

export interface ParentChainNode {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: 'dataset';
  readonly facets: Facets;
  /** Hops from the root (0 for the root itself). */
  readonly distance: number;
}

export interface LineageEdge {
  /** Parent (input) node id. */
  readonly from: string;
  /** Child (output) node id. */
  readonly to: string;
}

export interface LineageGraph {
  readonly root: { readonly id: string; readonly namespace: string; readonly name: string };
  readonly depth: number;
  readonly direction: Direction;
  readonly nodes: readonly ParentChainNode[];
  readonly edges: readonly LineageEdge[];
  /** The graph was cut: by the node budget, or because datasets lie beyond the depth cap. */
  readonly truncated: boolean;
  readonly truncatedBy: 'budget' | 'depth' | null;
}

/** Column pairs per direction; fixed strings chosen by an enum, never by input. */
const COLUMNS = { down: { here: 'src_id', next: 'dst_id' }, up: { here: 'dst_id', next: 'src_id' } } as const;

/**
 * The walk for one direction ($1 candidates jsonb, $2 depth, $3 row cap, $4 maxNodes): one row of
 * WalkRow columns. `ownEdges`: the edges among the walk's own nodes (a one-direction graph);
 * otherwise the row carries the kept ids (`ids`) and the caller joins the edges among all walks.
 */
export function walkSql(dir: 'up' | 'down', ownEdges: boolean): string {
  const { here, next } = COLUMNS[dir];
  return `
WITH RECURSIVE root AS (
  SELECT d.id FROM jsonb_to_recordset($1::jsonb) AS c(namespace text, name text)
  JOIN ol_datasets d ON d.namespace = c.namespace AND d.name = c.name
  ORDER BY length(d.namespace) DESC LIMIT 1
), walk(id, depth) AS (
  SELECT id, 0 FROM root
  UNION
  SELECT e.${next}, w.depth + 1 FROM walk w JOIN ol_edges e ON e.${here} = w.id WHERE w.depth < $2::int
), seen AS (
  SELECT id, depth FROM walk LIMIT $3::int
), nodes AS (
  SELECT id, min(depth) AS depth FROM seen GROUP BY id ORDER BY 2, 1 LIMIT $4::int + 1
), kept AS (
  SELECT id, depth FROM nodes ORDER BY depth, id LIMIT $4::int
)
SELECT
  (SELECT count(*) FROM seen)::int AS seen_rows,
  (SELECT count(*) FROM nodes)::int AS node_count,
  (SELECT coalesce(json_agg(json_build_object('id', d.id::text, 'namespace', d.namespace, 'name', d.name,
            'facets', d.facets, 'distance', k.depth) ORDER BY k.depth, d.namespace, d.name), '[]'::json)
     FROM kept k JOIN ol_datasets d ON d.id = k.id) AS nodes,
  ${
    ownEdges
      ? `(SELECT coalesce(json_agg(json_build_array(e.src_id::text, e.dst_id::text)), '[]'::json)
     FROM kept a JOIN ol_edges e ON e.${here} = a.id JOIN kept b ON b.id = e.${next}) AS edges`
      : `(SELECT array_agg(id) FROM kept) AS ids`
  },
  EXISTS (SELECT 1 FROM kept a JOIN ol_edges e ON e.${here} = a.id
           WHERE a.depth = $2::int AND NOT EXISTS (SELECT 1 FROM kept b WHERE b.id = e.${next})) AS beyond`;
}

/**
 * One statement walking every direction asked for; column `up` / `down` holds that walk's row as
 * JSON. With both directions, column `edges` holds every edge among the nodes of either walk.
 */
export function lineageSql(dirs: readonly ('up' | 'down')[]): string {
  if (dirs.length === 1) return `SELECT row_to_json(${dirs[0]}) AS ${dirs[0]}\nFROM (${walkSql(dirs[0]!, true)}\n) AS ${dirs[0]}`;
  const cols = (d: string) => `json_build_object('seen_rows', ${d}.seen_rows, 'node_count', ${d}.node_count, 'nodes', ${d}.nodes, 'beyond', ${d}.beyond) AS ${d}`;
  // no DISTINCT over the ids: the root (and a node on a cycle) is in both walks, so its edges come
  // twice and are deduplicated below; the two sorts DISTINCT costs made the statement ~1 ms slower
  return `SELECT ${cols('up')}, ${cols('down')},
  (SELECT coalesce(json_agg(json_build_array(e.src_id::text, e.dst_id::text)), '[]'::json)
     FROM unnest(up.ids || down.ids) AS a(id)
     JOIN ol_edges e ON e.src_id = a.id
     JOIN unnest(up.ids || down.ids) AS b(id) ON b.id = e.dst_id) AS edges
FROM (${walkSql('up', false)}\n) AS up, (${walkSql('down', false)}\n) AS down`;
}

interface WalkRow {
  seen_rows: number;
  node_count: number;
  nodes: { id: string; namespace: string; name: string; facets: Facets; distance: number }[] | string;
  /** Absent when the statement joins the edges of several walks (column `edges` of the row). */
  edges?: [string, string][] | string;
  beyond: boolean;
}

function json<T>(v: T | string): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

function boundedInt(v: number | undefined, dflt: number, min: number, max: number, field: string): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw fail.validation([{ path: `query.${field}`, message: `must be an integer from ${min} to ${max}` }]);
  }
  return n;
}

function candidatesOf(q: LineageQuery): DatasetKey[] {
  if (q.node !== undefined) {
    const c = parseNodeId(q.node);
    if (!c) throw fail.validation([{ path: 'query.node', message: 'expected dataset:<namespace>:<name>' }]);
    return c;
  }
  if (!q.namespace || !q.name) throw fail.validation([{ path: 'query.node', message: 'give node, or namespace and name' }]);
  return [{ namespace: q.namespace, name: q.name }];
}

/** The lineage graph around one dataset, or null when the dataset is unknown. One round trip. */
export async function lineageGraph(sql: Sql, q: LineageQuery): Promise<LineageGraph | null> {
  const depth = boundedInt(q.depth, OL_QUERY_LIMITS.defaultDepth, 0, OL_QUERY_LIMITS.maxDepth, 'depth');
  const maxNodes = boundedInt(q.maxNodes, OL_QUERY_LIMITS.defaultMaxNodes, 1, OL_QUERY_LIMITS.maxMaxNodes, 'maxNodes');
  const direction = q.direction ?? 'both';
  if (!['up', 'down', 'both'].includes(direction)) throw fail.validation([{ path: 'query.direction', message: 'must be up, down or both' }]);
  const dirs: ('up' | 'down')[] = direction === 'both' ? ['up', 'down'] : [direction];
  const params = [JSON.stringify(candidatesOf(q)), depth, (maxNodes + 1) * (depth + 1), maxNodes];
  const row = (await sql.query(lineageSql(dirs), params))[0] as Record<string, WalkRow | string>;
  const walks = dirs.map((d) => json(row[d] as WalkRow | string));
  const edgeLists = dirs.length === 1 ? [walks[0]!.edges ?? []] : [row.edges as [string, string][] | string];

  const byId = new Map<string, ParentChainNode>();
  let budgetCut = false;
  let depthCut = false;
  for (const w of walks) {
    if (w.node_count > maxNodes || w.seen_rows >= (maxNodes + 1) * (depth + 1)) budgetCut = true;
    if (w.beyond) depthCut = true;
    for (const n of json(w.nodes)) {
      const prev = byId.get(n.id);
      if (!prev || prev.distance > n.distance) byId.set(n.id, { ...n, type: 'dataset' });
    }
  }
  const rootNode = [...byId.values()].find((n) => n.distance === 0);
  if (!rootNode) return null;
  // both directions each had the full budget: keep the nearest maxNodes of their union
  let nodes = [...byId.values()].sort((a, b) => a.distance - b.distance);
  if (nodes.length > maxNodes) {
    nodes = nodes.slice(0, maxNodes);
    budgetCut = true;
  }
  const kept = new Map(nodes.map((n) => [n.id, n]));
  const edgeSet = new Set<string>();
  const edges: LineageEdge[] = [];
  for (const list of edgeLists) {
    for (const [src, dst] of json(list)) {
      const a = kept.get(src);
      const b = kept.get(dst);
      if (!a || !b || edgeSet.has(`${src}>${dst}`)) continue;
      edgeSet.add(`${src}>${dst}`);
      edges.push({ from: datasetNodeId(a), to: datasetNodeId(b) });
    }
  }
  return {
    root: { id: datasetNodeId(rootNode), namespace: rootNode.namespace, name: rootNode.name },
    depth,
    direction,
    nodes: nodes.map((n) => ({ ...n, id: datasetNodeId(n) })),
    edges,
    truncated: budgetCut || depthCut,
    truncatedBy: budgetCut ? 'budget' : depthCut ? 'depth' : null,
  };
}
