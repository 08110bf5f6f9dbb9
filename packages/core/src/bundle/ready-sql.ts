/**
 * Everything one /ready needs, in ONE round trip (ADR 0052): the lineage walk (as parent-chain-sql.ts,
 * without the manifests' bodies), each declaration's stored envelope digest, the LIVE facts —
 * each named block's header as the store knows it now (height, root, on the best chain), the tip,
 * the active advisories touching the lineage's versions and producers — read in the same
 * statement, so they are one consistent snapshot. The envelope itself is shipped only for a
 * declaration whose digest is missing (proven before migration 0070) or must be verified in full.
 */
import type { SqlSession } from '../ports/sql';
import type { Advisory } from '../advisories/schema';
import { DIGEST_VERSION } from '../spv/envelope-digest';
import { MAX_PARENT_CHAIN_NODES } from './parent-chain-sql';

export interface HeaderFacts {
  readonly hash: string;
  readonly height: number;
  readonly merkleRoot: string;
  readonly onBest: boolean;
}

export interface ReadyNode {
  readonly versionId: string;
  readonly depth: number;
  readonly hasManifest: boolean;
  readonly producerId: string | null;
  readonly txid: string | null;
  /** Null: no declaration or no proof stored. */
  readonly hasProof: boolean;
  /** The stored digest as read (validated by the caller). */
  readonly digest: unknown;
  /** The stored envelope, only when the digest cannot answer (see the CASE below); else undefined. */
  readonly envelope: unknown;
  /** Block recorded at proof time, and its header now. */
  readonly blockHash: string | null;
  readonly header: HeaderFacts | null;
  /** The header of the block the digest names, when that is another block than blockHash's. */
  readonly digestHeader: HeaderFacts | null;
  readonly truncated: boolean;
}

export interface ReadyFacts {
  readonly nodes: ReadyNode[];
  readonly tip: { readonly hash: string; readonly height: number } | null;
  readonly advisories: Advisory[];
}

const READY_SQL = `
WITH RECURSIVE walk(version_id, depth) AS (
  SELECT $1::text, 0
  UNION
  SELECT e.parent_version_id, w.depth + 1
    FROM walk w JOIN edges e ON e.child_version_id = w.version_id
   WHERE w.depth < $2
), nodes AS (
  SELECT version_id, min(depth) AS depth FROM walk GROUP BY version_id ORDER BY 2, 1 LIMIT $3
), lin AS (
  SELECT n.version_id AS v, n.depth AS d, m.version_id IS NOT NULL AS m, a.producer_id AS p, dc.txid AS t,
         dc.proof_json IS NOT NULL AS pr, dc.spv_digest AS g,
         CASE WHEN dc.spv_digest IS NULL OR dc.spv_digest->>'kind' = 'live' OR dc.spv_digest->>'v' IS DISTINCT FROM $5
              THEN dc.proof_json END AS e,
         dc.block_hash AS b, h.height AS bh, h.merkle_root AS br, h.on_best AS bb,
         h2.hash AS gh, h2.height AS gn, h2.merkle_root AS gr, h2.on_best AS gb,
         (n.depth >= $2 AND EXISTS (SELECT 1 FROM edges x WHERE x.child_version_id = n.version_id)) AS tr
    FROM nodes n
    LEFT JOIN manifests m ON m.version_id = n.version_id
    LEFT JOIN assets a ON a.version_id = n.version_id
    LEFT JOIN declarations dc ON dc.version_id = n.version_id
    LEFT JOIN block_headers h ON h.hash = dc.block_hash
    LEFT JOIN block_headers h2 ON h2.hash = dc.spv_digest->>'blockHash' AND h2.hash IS DISTINCT FROM dc.block_hash
), adv AS (
  SELECT a.advisory_id, a.type, a.reason, a.payload, a.created_at, a.expires_at,
         coalesce(array_agg(t.target_id ORDER BY t.target_id) FILTER (WHERE t.target_type = 'version'), '{}') AS version_ids,
         coalesce(array_agg(t.target_id ORDER BY t.target_id) FILTER (WHERE t.target_type = 'producer'), '{}') AS producer_ids
    FROM advisories a JOIN advisory_targets t USING (advisory_id)
   WHERE a.advisory_id IN (
           SELECT advisory_id FROM advisory_targets
            WHERE (target_type = 'version' AND target_id IN (SELECT v FROM lin))
               OR (target_type = 'producer' AND target_id IN (SELECT p FROM lin WHERE p IS NOT NULL)))
     AND (a.expires_at IS NULL OR a.expires_at > $4::timestamptz)
   GROUP BY a.advisory_id
   ORDER BY a.created_at DESC, a.advisory_id
   LIMIT 200
)
SELECT (SELECT json_agg(lin ORDER BY d, v) FROM lin) AS nodes,
       (SELECT json_build_object('hash', hash, 'height', height) FROM block_headers WHERE on_best ORDER BY height DESC LIMIT 1) AS tip,
       (SELECT json_agg(adv ORDER BY created_at DESC, advisory_id) FROM adv) AS advisories`;

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const iso = (v: unknown): string => new Date(v as string).toISOString();

type LinRow = Record<'v' | 'p' | 't' | 'b' | 'gh' | 'br' | 'gr', string | null> & Record<'d' | 'bh' | 'gn', number | null> &
  Record<'m' | 'pr' | 'bb' | 'gb' | 'tr', boolean | null> & { g: unknown; e: unknown };

/** Reads the lineage of `versionId` (up to `maxDepth` hops) with every live fact /ready applies. */
export async function loadReadyFacts(sql: SqlSession, versionId: string, maxDepth: number, activeAt: Date): Promise<ReadyFacts> {
  // prepared once per connection: planning this statement cost as much as running it (ADR 0058)
  const rows = await sql.query(READY_SQL, [versionId, maxDepth, MAX_PARENT_CHAIN_NODES, activeAt, String(DIGEST_VERSION)], { prepare: 'strata_ready_facts_v1' });
  const r = rows[0] ?? {};
  const lin = (json(r.nodes) as LinRow[] | null) ?? [];
  const tip = json(r.tip) as { hash: string; height: number } | null;
  const adv = (json(r.advisories) as Array<Record<string, unknown>> | null) ?? [];
  return {
    nodes: lin.map((n) => ({
      versionId: n.v as string,
      depth: Number(n.d),
      hasManifest: n.m === true,
      producerId: n.p ?? null,
      txid: n.t ?? null,
      hasProof: n.pr === true,
      digest: n.g ?? null,
      envelope: n.e ?? undefined,
      blockHash: n.b ?? null,
      header: n.bh === null || n.bh === undefined ? null : { hash: n.b as string, height: Number(n.bh), merkleRoot: n.br as string, onBest: n.bb === true },
      digestHeader: n.gh === null || n.gh === undefined ? null : { hash: n.gh, height: Number(n.gn), merkleRoot: n.gr as string, onBest: n.gb === true },
      truncated: n.tr === true,
    })),
    tip: tip ? { hash: tip.hash, height: Number(tip.height) } : null,
    advisories: adv.map((a) => ({
      advisoryId: a.advisory_id as string,
      type: a.type as Advisory['type'],
      reason: a.reason as string,
      payload: (a.payload as Record<string, unknown> | null) ?? null,
      createdAt: iso(a.created_at),
      expiresAt: a.expires_at ? iso(a.expires_at) : null,
      targets: { versionIds: (a.version_ids as string[]) ?? [], producerIds: (a.producer_ids as string[]) ?? [] },
    })),
  };
}
