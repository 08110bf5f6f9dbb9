/**
 * The lineage of a version in ONE round trip: a recursive walk up the catalog's `edges`
 * (migrations/0010_catalog.sql) joined with manifests, declarations and the headers of the
 * declared blocks (0030_headers.sql). Cycle-safe without a path array: the walk is a UNION over
 * (version, depth) pairs, so a cycle can only repeat a node at a deeper level, and the depth
 * cap ends it. A node reached by several paths keeps its shallowest depth.
 */
import type { SqlSession } from '../ports/sql';
import type { Manifest } from '../catalog/manifest';

/** Hard cap on the nodes one walk may return (a wide, deep DAG must not exhaust memory). */
export const MAX_PARENT_CHAIN_NODES = 5000;

export interface ParentChainNode {
  readonly versionId: string;
  /** Shallowest distance from the target (0). */
  readonly depth: number;
  readonly manifest: Manifest | null;
  readonly producerId: string | null;
  readonly txid: string | null;
  readonly vout: number | null;
  /** The stored SPV envelope (declarations.proof_json), or null. */
  readonly envelope: unknown;
  /** Block the envelope was verified against when it was stored. */
  readonly blockHash: string | null;
  /** That block as the header store knows it now (null: unknown header). */
  readonly header: { readonly height: number; readonly merkleRoot: string; readonly onBest: boolean } | null;
  /** Parents, sorted; empty for nodes at the depth cap (not expanded). */
  readonly parents: readonly string[];
  /** True when the node sits at the depth cap and has parents that were not walked. */
  readonly truncated: boolean;
}

const LINEAGE_SQL = `
WITH RECURSIVE walk(version_id, depth) AS (
  SELECT $1::text, 0
  UNION
  SELECT e.parent_version_id, w.depth + 1
    FROM walk w JOIN edges e ON e.child_version_id = w.version_id
   WHERE w.depth < $2
), nodes AS (
  SELECT version_id, min(depth) AS depth FROM walk GROUP BY version_id
)
SELECT n.version_id, n.depth, m.body AS manifest, a.producer_id, d.txid, d.opret_vout, d.proof_json,
       d.block_hash, h.height AS block_height, h.merkle_root, h.on_best,
       coalesce(p.parents, '{}') AS parents
  FROM nodes n
  LEFT JOIN manifests m ON m.version_id = n.version_id
  LEFT JOIN assets a ON a.version_id = n.version_id
  LEFT JOIN declarations d ON d.version_id = n.version_id
  LEFT JOIN block_headers h ON h.hash = d.block_hash
  LEFT JOIN LATERAL (
    SELECT array_agg(e.parent_version_id ORDER BY e.parent_version_id) AS parents
      FROM edges e WHERE e.child_version_id = n.version_id
  ) p ON true
 ORDER BY n.depth, n.version_id
 LIMIT $3`;

/** Walks the lineage of `versionId` up to `maxDepth` parent hops; the target is row 0 when known. */
export async function loadParentChain(sql: SqlSession, versionId: string, maxDepth: number): Promise<ParentChainNode[]> {
  const rows = await sql.query(LINEAGE_SQL, [versionId, maxDepth, MAX_PARENT_CHAIN_NODES]);
  return rows.map((r) => {
    const depth = Number(r.depth);
    const parents = (r.parents as string[] | null) ?? [];
    const atCap = depth >= maxDepth;
    return {
      versionId: r.version_id as string,
      depth,
      manifest: (r.manifest as Manifest | null) ?? null,
      producerId: (r.producer_id as string | null) ?? null,
      txid: (r.txid as string | null) ?? null,
      vout: r.opret_vout === null || r.opret_vout === undefined ? null : Number(r.opret_vout),
      envelope: r.proof_json ?? null,
      blockHash: (r.block_hash as string | null) ?? null,
      header:
        r.block_height === null || r.block_height === undefined
          ? null
          : { height: Number(r.block_height), merkleRoot: r.merkle_root as string, onBest: r.on_best === true },
      parents: atCap ? [] : parents,
      truncated: atCap && parents.length > 0,
    };
  });
}

/** Edges among walked nodes, child first, in a deterministic order. */
export function parentChainEdges(nodes: readonly ParentChainNode[]): Array<{ child: string; parent: string }> {
  const out: Array<{ child: string; parent: string }> = [];
  for (const n of nodes) for (const p of n.parents) out.push({ child: n.versionId, parent: p });
  return out;
}
