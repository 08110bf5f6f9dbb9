/**
 * The delivery statement: every check of GET /v1/data and the quota in ONE round trip.
 *
 * `u` is a conditional UPDATE: it adds the object's size to `bytes_used` only while the receipt
 * is paid or confirmed, unexpired, for this content, and the sum stays within `bytes_limit`; a
 * single-use receipt moves to `consumed` in the same UPDATE. Under READ COMMITTED a concurrent
 * UPDATE of the same row makes PostgreSQL re-evaluate that WHERE against the row as committed
 * by the other transaction, so N concurrent downloads can never pass the last byte together,
 * and a single-use receipt is consumed exactly once. The CHECK (bytes_used <= bytes_limit) of
 * migration 0050 holds the same line a second time.
 *
 * `r` and `o` are the snapshot the statement started from; when `u` wrote nothing they say which
 * check failed (service.ts). A receipt found past its expiry is marked `expired` (`x`), as the
 * seed does, with its audit row; so is a consumption (`ua`).
 */
import { stmt, type Row, type Statement } from '../ports/sql';

export function deliveryStatement(q: { receiptId: string; contentHash: string; now: Date; actor: string; requestId: string | null }): Statement {
  return stmt(
    `WITH r AS (
       SELECT receipt_id, version_id, content_hash, status, expires_at, bytes_used, bytes_limit, single_use
         FROM receipts WHERE receipt_id = $1
     ), o AS (
       SELECT tier, size_bytes, mime_type FROM content_uploads WHERE content_hash = $2 AND status = 'verified'
     ), x AS (
       UPDATE receipts t SET status = 'expired', updated_at = $3
         FROM r
        WHERE t.receipt_id = r.receipt_id AND t.expires_at <= $3 AND t.status IN ('pending', 'paid', 'confirmed')
       RETURNING t.receipt_id, r.status AS from_status
     ), xa AS (
       INSERT INTO audit_log (actor, action, resource, request_id, before, after, at)
       SELECT $4, 'payments.receipt.expired', 'receipt:' || x.receipt_id, $5,
              jsonb_build_object('status', x.from_status), jsonb_build_object('status', 'expired'), $3
         FROM x
     ), u AS (
       UPDATE receipts t
          SET bytes_used = t.bytes_used + o.size_bytes,
              status = CASE WHEN t.single_use THEN 'consumed' ELSE t.status END,
              consumed_at = CASE WHEN t.single_use THEN $3 ELSE t.consumed_at END,
              updated_at = $3
         FROM o
        WHERE t.receipt_id = $1 AND t.status IN ('paid', 'confirmed') AND t.expires_at > $3
          AND t.content_hash = $2 AND t.bytes_used + o.size_bytes <= t.bytes_limit
       RETURNING t.receipt_id, t.bytes_used, t.bytes_limit, t.status, t.single_use
     ), ua AS (
       INSERT INTO audit_log (actor, action, resource, request_id, before, after, at)
       SELECT $4, 'payments.receipt.consumed', 'receipt:' || u.receipt_id, $5,
              jsonb_build_object('status', r.status), jsonb_build_object('status', 'consumed', 'bytesUsed', u.bytes_used), $3
         FROM u, r WHERE u.single_use
     )
     SELECT r.receipt_id, r.version_id, r.content_hash, r.status, r.expires_at, r.bytes_used, r.bytes_limit,
            o.tier, o.size_bytes, o.mime_type,
            u.bytes_used AS granted_bytes_used, u.status AS granted_status
       FROM (SELECT 1) one
       LEFT JOIN r ON true LEFT JOIN o ON true LEFT JOIN u ON true`,
    [q.receiptId, q.contentHash, q.now, q.actor, q.requestId],
  );
}

/** What the statement saw and did. */
export interface DeliveryRow {
  readonly receipt: {
    readonly versionId: string;
    readonly contentHash: string;
    readonly status: string;
    readonly expiresAt: Date;
    readonly bytesUsed: number;
    readonly bytesLimit: number;
  } | null;
  readonly object: { readonly tier: 'hot' | 'warm' | 'cold'; readonly size: number; readonly mimeType: string } | null;
  /** Set when the quota was counted (and the receipt consumed, if single-use). */
  readonly granted: { readonly bytesUsed: number; readonly status: string } | null;
}

export function toDeliveryRow(r: Row | undefined): DeliveryRow {
  return {
    receipt:
      r && r.receipt_id
        ? {
            versionId: r.version_id as string,
            contentHash: r.content_hash as string,
            status: r.status as string,
            expiresAt: r.expires_at as Date,
            bytesUsed: Number(r.bytes_used),
            bytesLimit: Number(r.bytes_limit),
          }
        : null,
    object: r && r.tier ? { tier: r.tier as 'hot' | 'warm' | 'cold', size: Number(r.size_bytes), mimeType: r.mime_type as string } : null,
    granted: r && r.granted_status ? { bytesUsed: Number(r.granted_bytes_used), status: r.granted_status as string } : null,
  };
}
