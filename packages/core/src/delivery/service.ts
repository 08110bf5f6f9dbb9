/**
 * GET /v1/data: the contract's checks in its order — receipt exists (404), not expired (403
 * `expired`), not consumed (409 `already-consumed`), paid or confirmed (403 `forbidden`), for
 * this content (409 `content-mismatch`), object present (404), bytes quota (409
 * `quota-exceeded`) — decided and counted by one PostgreSQL statement (repo.ts), then a URL
 * computed locally. One database round trip and none to the store per issued URL.
 */
import type { Deps } from '../deps';
import { invalidInput, StrataError, fail } from '../errors';
import { actorName, type Call } from '../context';
import { contentKey } from '../uploads/schema';
import { issueUrl } from './cdn';
import { deliveryStatement, toDeliveryRow, type DeliveryRow } from './repo';
import { DataQuery, type Delivery } from './schema';

/** What delivering uses. */
export type DeliveryDeps = Pick<Deps, 'sql' | 'clock' | 'config' | 'blobs' | 'signCdnUrl'>;

export type { Delivery } from './schema';

/** The first failing check, in the contract's order (null: every check passes on this snapshot). */
function refusal(row: DeliveryRow, q: DataQuery, nowMs: number): StrataError | null {
  const r = row.receipt;
  if (!r) return fail.notFound('No receipt has this id.', 'receipt not found');
  if (r.status === 'expired' || r.expiresAt.getTime() <= nowMs) return new StrataError('expired', 'The receipt has expired.', { hint: 'buy again' });
  if (r.status === 'consumed') return new StrataError('already-consumed', 'The receipt was single-use and has been used.');
  if (r.status !== 'paid' && r.status !== 'confirmed') return fail.forbidden('The receipt is not paid.', `invalid-status:${r.status}`);
  if (r.contentHash !== q.contentHash) return new StrataError('content-mismatch', 'The receipt is for other content.', { hint: 'contentHash differs from the receipt' });
  if (!row.object) return fail.notFound('The content has not been uploaded (or not verified) yet.', 'object not in storage');
  if (r.bytesUsed + row.object.size > r.bytesLimit) {
    return new StrataError('quota-exceeded', 'The receipt has no bytes left for this content.', {
      hint: `limit=${r.bytesLimit}, used=${r.bytesUsed}, size=${row.object.size}`,
    });
  }
  return null;
}

/** Issues a download URL for `contentHash` against `receiptId`, counting its bytes. */
export async function deliver(call: Call<DeliveryDeps, { query: unknown }>): Promise<Delivery> {
  const { deps, ctx } = call;
  const parsed = DataQuery.safeParse(call.input.query);
  if (!parsed.success) throw invalidInput(['query'], parsed.error.issues);
  const q = parsed.data;
  // A snapshot can pass every check while a concurrent download takes the last bytes before
  // the UPDATE runs; the UPDATE then writes nothing and the next snapshot tells which check failed.
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = deps.clock.now();
    const s = deliveryStatement({ receiptId: q.receiptId, contentHash: q.contentHash, now: new Date(now), actor: actorName(ctx.actor), requestId: ctx.requestId });
    const row = toDeliveryRow((await deps.sql.query(s.text, s.params))[0]);
    if (!row.granted) {
      const refused = refusal(row, q, now);
      if (refused) throw refused;
      continue;
    }
    const obj = row.object!;
    const expiresInSec = deps.config.PRESIGN_TTL_SEC;
    const url = await issueUrl(deps.config, deps.blobs, deps.signCdnUrl, {
      key: contentKey(obj.tier, q.contentHash),
      expiresInSec,
      nowMs: now,
      contentDisposition: `attachment; filename="${q.contentHash}"`,
      contentType: obj.mimeType,
    });
    return {
      redirect: q.redirect,
      success: true,
      delivery: { method: 'presigned-url', cdn: deps.config.CDN_MODE, url: url.url, expiresAt: url.expiresAt, headers: url.headers },
      metadata: {
        contentHash: q.contentHash,
        receiptId: q.receiptId,
        versionId: row.receipt!.versionId,
        size: obj.size,
        tier: obj.tier,
        bytesUsed: row.granted.bytesUsed,
        bytesLimit: row.receipt!.bytesLimit,
      },
    };
  }
  throw new StrataError('conflict', 'The receipt kept changing under concurrent downloads; retry.', { hint: 'retry' });
}
