/**
 * Listing reads: the detail of one version and the searchable, paged list. Tables and indexes
 * are in migrations/0010_catalog.sql (`assets.search` is a generated tsvector with a GIN index).
 */
import { invalidInput } from '../errors';
import type { Row, SqlParam, SqlSession } from '../ports/sql';
import { parseVersionId } from './hex';
import type { Manifest } from './manifest';
import { ListingQuery, type ListingDetail, type ListingItem } from './schema';

export { ListingQuery } from './schema';
export type { ListingDetail, ListingItem } from './schema';

/**
 * Search terms → a prefix tsquery built only from letter/digit runs, so no user character
 * reaches tsquery syntax; null when the text has no searchable word.
 */
export function searchTsquery(q: string): string | null {
  const words = (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8).map((w) => w.slice(0, 64));
  return words.length === 0 ? null : words.map((w) => `${w}:*`).join(' & ');
}

/** One page of listings in a deterministic order (newest first, then versionId). */
export async function searchListings(
  sql: SqlSession,
  query: ListingQuery,
  opts: { includePolicyMeta?: boolean } = {},
): Promise<{ items: ListingItem[]; limit: number; offset: number }> {
  const parsed = ListingQuery.safeParse(query);
  if (!parsed.success) throw invalidInput(['query'], parsed.error.issues, 'Invalid listing query.');
  const { q, datasetId, producerId, limit, offset } = parsed.data;
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (q !== undefined && q.trim() !== '') {
    const tsq = searchTsquery(q);
    if (tsq === null) return { items: [], limit, offset };
    params.push(tsq);
    where.push(`search @@ to_tsquery('simple', $${params.length})`);
  }
  if (datasetId !== undefined) {
    params.push(datasetId);
    where.push(`dataset_id = $${params.length}`);
  }
  if (producerId !== undefined) {
    params.push(producerId);
    where.push(`producer_id = $${params.length}`);
  }
  params.push(limit, offset);
  const rows = await sql.query(
    `SELECT version_id, name, description, dataset_id, producer_id, tags, updated_at, policy_meta
       FROM assets
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_at DESC, version_id
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  const items = rows.map((r) => toItem(r, opts.includePolicyMeta === true));
  return { items, limit, offset };
}

function toItem(r: Row, withMeta: boolean): ListingItem {
  const item: ListingItem = {
    versionId: r.version_id as string,
    name: (r.name as string | null) ?? null,
    description: (r.description as string | null) ?? null,
    datasetId: r.dataset_id as string,
    producerId: (r.producer_id as string | null) ?? null,
    tags: (r.tags as string[] | null) ?? [],
    updatedAt: (r.updated_at as Date).toISOString(),
  };
  if (withMeta) item.policyMeta = r.policy_meta as { license: string; classification: string };
  return item;
}

/**
 * The listing detail of a version, or null when it is unknown: manifest, declaration and parents
 * in one round trip. Cached under cacheKeys.asset(v), which the publish and the proof both
 * invalidate through the outbox, so a proof arriving turns `pending` into `confirmed` at once.
 */
export async function getListing(sql: SqlSession, versionId: string): Promise<ListingDetail | null> {
  const v = parseVersionId(versionId);
  const rows = await sql.query(
    `SELECT m.body, d.txid, d.status, d.opret_vout, d.block_hash, d.height,
            ARRAY(SELECT e.parent_version_id FROM edges e WHERE e.child_version_id = m.version_id ORDER BY e.parent_version_id) AS parents
       FROM manifests m JOIN assets a USING (version_id) LEFT JOIN declarations d USING (version_id)
      WHERE m.version_id = $1`,
    [v],
  );
  const row = rows[0];
  const body = row?.body as Manifest | undefined;
  if (!row || !body) return null;
  const txid = (row.txid as string | null) ?? null;
  return {
    versionId: v,
    manifest: {
      name: body.name ?? null,
      description: body.description ?? null,
      datasetId: body.datasetId,
      contentHash: body.content.contentHash,
      license: body.policy.license,
      classification: body.policy.classification,
      createdAt: body.provenance.createdAt,
    },
    txid,
    declaration:
      txid === null
        ? null
        : {
            status: row.status as 'pending' | 'confirmed',
            opretVout: Number(row.opret_vout),
            blockHash: (row.block_hash as string | null) ?? null,
            height: row.height === null || row.height === undefined ? null : Number(row.height),
          },
    parents: (row.parents as string[] | null) ?? [],
  };
}

/** The stored manifest of a version (as published, signatures included), or null. */
export async function getManifest(sql: SqlSession, versionId: string): Promise<Manifest | null> {
  const rows = await sql.query(`SELECT body FROM manifests WHERE version_id = $1`, [parseVersionId(versionId)]);
  return (rows[0]?.body as Manifest | undefined) ?? null;
}

/** What a published version's OpenLineage event is made of: its tx and the manifest's createdAt/contentHash (null when unpublished). */
export async function getPublishedVersion(
  sql: SqlSession,
  versionId: string,
): Promise<{ txid: string; createdAt: string | null; contentHash: string | null } | null> {
  const rows = await sql.query<{ txid: string; created_at: string | null; content_hash: string | null }>(
    `SELECT d.txid, m.body->'provenance'->>'createdAt' AS created_at, m.body->'content'->>'contentHash' AS content_hash
       FROM declarations d JOIN manifests m USING (version_id) WHERE d.version_id = $1`,
    [parseVersionId(versionId)],
  );
  const r = rows[0];
  return r ? { txid: r.txid, createdAt: r.created_at, contentHash: r.content_hash } : null;
}

/** Parent versionIds committed by a version's declaration, sorted. */
export async function getParents(sql: SqlSession, versionId: string): Promise<string[]> {
  const rows = await sql.query(
    `SELECT parent_version_id FROM edges WHERE child_version_id = $1 ORDER BY parent_version_id`,
    [parseVersionId(versionId)],
  );
  return rows.map((r) => r.parent_version_id as string);
}
