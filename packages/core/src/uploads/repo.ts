/**
 * SQL of the uploads domain. Each status move is one conditional UPDATE (WHERE status = from)
 * with its audit row in the same statement, so a repeated or concurrent move writes nothing.
 */
import { stmt, type Row, type SqlSession, type Statement } from '../ports/sql';
import type { Tier, UploadStatus } from './schema';

export interface UploadRecord {
  readonly uploadId: string;
  readonly contentHash: string;
  readonly versionId: string;
  readonly identityKey: string;
  readonly tier: Tier;
  readonly sizeBytes: number;
  readonly mimeType: string;
  readonly mode: 'single' | 'multipart';
  readonly storeUploadId: string | null;
  readonly partSize: number | null;
  readonly status: UploadStatus;
  readonly failure: string | null;
  readonly createdAt: Date;
  readonly verifiedAt: Date | null;
}

const COLUMNS = `upload_id, content_hash, version_id, identity_key, tier, size_bytes, mime_type, mode, store_upload_id,
  part_size, status, failure, created_at, verified_at`;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function toUpload(r: Row): UploadRecord {
  return {
    uploadId: r.upload_id as string,
    contentHash: r.content_hash as string,
    versionId: r.version_id as string,
    identityKey: r.identity_key as string,
    tier: r.tier as Tier,
    sizeBytes: Number(r.size_bytes),
    mimeType: r.mime_type as string,
    mode: r.mode as 'single' | 'multipart',
    storeUploadId: (r.store_upload_id as string | null) ?? null,
    partSize: num(r.part_size),
    status: r.status as UploadStatus,
    failure: (r.failure as string | null) ?? null,
    createdAt: r.created_at as Date,
    verifiedAt: (r.verified_at as Date | null) ?? null,
  };
}

/** A version that declares some content, with the key of its producer. */
export interface Declaring {
  readonly versionId: string;
  readonly contentHash: string;
  readonly sizeBytes: number | null;
  readonly producerKey: string | null;
}

/**
 * One round trip for everything the create verb decides on: the versions declaring the content
 * (or the one named) with their producers, and the content's verified or in-flight upload.
 */
export async function lookupForUpload(
  sql: SqlSession,
  q: { versionId: string | null; contentHash: string },
): Promise<{ versions: Declaring[]; existing: UploadRecord | null }> {
  const rows = await sql.query(
    `SELECT 'v' AS kind, a.version_id, a.content_hash, a.size_bytes, p.identity_key AS producer_key, NULL::text AS upload_id
       FROM assets a LEFT JOIN producers p ON p.producer_id = a.producer_id
      WHERE CASE WHEN $1::text IS NULL THEN a.content_hash = $2 ELSE a.version_id = $1 END
     UNION ALL
     SELECT 'u', NULL, NULL, NULL, NULL, u.upload_id FROM content_uploads u
      WHERE u.content_hash = $2 AND u.status IN ('pending', 'verifying', 'verified')
     LIMIT 200`,
    [q.versionId, q.contentHash],
  );
  const versions = rows
    .filter((r) => r.kind === 'v')
    .map((r) => ({ versionId: r.version_id as string, contentHash: r.content_hash as string, sizeBytes: num(r.size_bytes), producerKey: (r.producer_key as string | null) ?? null }));
  const uploadId = rows.find((r) => r.kind === 'u')?.upload_id as string | undefined;
  return { versions, existing: uploadId ? await getUpload(sql, uploadId) : null };
}

export async function getUpload(sql: SqlSession, uploadId: string): Promise<UploadRecord | null> {
  const rows = await sql.query(`SELECT ${COLUMNS} FROM content_uploads WHERE upload_id = $1`, [uploadId]);
  return rows[0] ? toUpload(rows[0]) : null;
}

/** An upload as it is first inserted: everything but what its status moves set later. */
export type NewUpload = Omit<UploadRecord, 'status' | 'failure' | 'createdAt' | 'verifiedAt'>;

export interface Actor {
  readonly actor: string;
  readonly requestId?: string;
}

/**
 * Inserts the upload and its audit row. The partial unique index on in-flight uploads makes a
 * concurrent second upload of the same content fail here (23505), so only one writes the key.
 */
export function insertUploadStatement(n: NewUpload, now: Date, a: Actor): Statement {
  return stmt(
    `WITH i AS (
       INSERT INTO content_uploads (upload_id, content_hash, version_id, identity_key, tier, size_bytes, mime_type, mode,
                                    store_upload_id, part_size, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
       RETURNING ${COLUMNS}
     ), a AS (
       INSERT INTO audit_log (actor, action, resource, request_id, after, at)
       SELECT $12, 'uploads.create', 'upload:' || i.upload_id, $13,
              jsonb_build_object('contentHash', i.content_hash, 'versionId', i.version_id, 'mode', i.mode, 'sizeBytes', i.size_bytes), $11
         FROM i
     )
     SELECT * FROM i`,
    [n.uploadId, n.contentHash, n.versionId, n.identityKey, n.tier, n.sizeBytes, n.mimeType, n.mode, n.storeUploadId, n.partSize, now, a.actor, a.requestId ?? null],
  );
}

/** Moves an upload from one of `from` to `to` (with its audit row); null when it was not in `from`. */
export async function moveUpload(
  sql: SqlSession,
  uploadId: string,
  from: readonly UploadStatus[],
  to: UploadStatus,
  now: Date,
  a: Actor,
  failure: string | null = null,
): Promise<UploadRecord | null> {
  const rows = await sql.query(
    `WITH o AS (
       SELECT upload_id, status AS from_status FROM content_uploads
        WHERE upload_id = $1 AND status = ANY($2::text[]) FOR UPDATE
     ), t AS (
       UPDATE content_uploads u SET status = $3, updated_at = $4, failure = $5,
              verified_at = CASE WHEN $3 = 'verified' THEN $4 ELSE u.verified_at END
         FROM o WHERE u.upload_id = o.upload_id
       RETURNING ${COLUMNS.split(',').map((c) => `u.${c.trim()}`).join(', ')}, o.from_status
     ), a AS (
       INSERT INTO audit_log (actor, action, resource, request_id, before, after, at)
       SELECT $6, 'uploads.' || $3, 'upload:' || t.upload_id, $7,
              jsonb_build_object('status', t.from_status), jsonb_build_object('status', t.status, 'failure', t.failure), $4
         FROM t
     )
     SELECT * FROM t`,
    [uploadId, [...from], to, now, failure, a.actor, a.requestId ?? null],
  );
  return rows[0] ? toUpload(rows[0]) : null;
}

/** Uploads still pending that were started before `before` (the abandon schedule's work list). */
export async function listAbandoned(sql: SqlSession, before: Date, limit: number): Promise<UploadRecord[]> {
  const rows = await sql.query(
    `SELECT ${COLUMNS} FROM content_uploads WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2`,
    [before, limit],
  );
  return rows.map(toUpload);
}
