/**
 * What a change to one version's proof (a new envelope, or a reorg moving its block) makes
 * stale. A cached bundle is tagged only with its TARGET's version tag, so the hit path needs no
 * knowledge of the node set; in exchange, a change to a version bumps the tags of the version
 * and of every descendant whose bundle can include it (a downward walk over `edges`).
 * This is sound because a cached bundle's node set never changes: bundles are only cached when
 * every node is published, and a published version's parents are fixed on chain.
 */
import type { SqlSession } from '../ports/sql';
import { cacheTags } from '../cache/keys';

/** Upper bound on tags one change bumps (one Kv SET each). */
export const MAX_INVALIDATED_VERSIONS = 10_000;

const DESCENDANTS_SQL = `
WITH RECURSIVE down(version_id, depth) AS (
  SELECT unnest($1::text[]), 0
  UNION
  SELECT e.child_version_id, d.depth + 1
    FROM down d JOIN edges e ON e.parent_version_id = d.version_id
   WHERE d.depth < $2
)
SELECT DISTINCT version_id FROM down LIMIT $3`;

/** The versions and every descendant within `maxDepth` hops (bundles deeper cannot reach them). */
export async function withDescendants(sql: SqlSession, versionIds: readonly string[], maxDepth: number): Promise<string[]> {
  if (versionIds.length === 0) return [];
  const rows = await sql.query(DESCENDANTS_SQL, [[...versionIds], maxDepth, MAX_INVALIDATED_VERSIONS]);
  return rows.map((r) => r.version_id as string).sort();
}

/** Versions whose declaration sits in one of the blocks, with their descendants. */
export async function versionsInBlocks(sql: SqlSession, blockHashes: readonly string[], maxDepth: number): Promise<string[]> {
  if (blockHashes.length === 0) return [];
  const rows = await sql.query(`SELECT version_id FROM declarations WHERE block_hash = ANY($1::text[])`, [[...blockHashes]]);
  return withDescendants(sql, rows.map((r) => r.version_id as string), maxDepth);
}

/** The version tags for a list of versions. */
export const versionTags = (versionIds: readonly string[]): string[] => versionIds.map((v) => cacheTags.version(v));
