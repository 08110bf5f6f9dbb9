/**
 * Catalog → OpenLineage: the COMPLETE event of a published version and the RETRACTED event of a
 * recalled one, built from catalog rows (catalog/repo.ts) and stored through the lineage verbs.
 *
 * A publish enqueues one `lineage.publish` job after its commit (catalog/service.ts); the handler
 * here stores the event. The event is a pure function of catalog rows, so a redelivery or a
 * re-emission is a duplicate, and `reconcilePublishEvents` (the `outbox-sweep` schedule, and
 * POST /openlineage/hook/reconcile) emits whatever a lost job never did (docs/adr/0055).
 */
import { z } from 'zod';
import { getParents, getPublishedVersion } from '../catalog/repo';
import type { Call } from '../context';
import type { Deps } from '../deps';
import { fail, isStrataError } from '../errors';
import type { JobHandler, JobRouter } from '../jobs/router';
import type { Outcome } from '../ports/queue';
import { publishEvent, recallEvent } from './overlay-events';
import { ingestLineage, storeEvents, type IngestReport, type LineageIngestDeps } from './service';

/** What emitting overlay events uses. */
export type EmitDeps = LineageIngestDeps & Pick<Deps, 'clock'>;

/** The `lineage.publish` job payload: the version just published and the request that did it. */
export const PublishJobPayload = z.strictObject({
  versionId: z.string().regex(/^[0-9a-f]{64}$/),
  requestId: z.string().max(200).optional(),
});
export type PublishJobPayload = z.infer<typeof PublishJobPayload>;

/** Overlay namespace env: the stage, when it fits the seed's `overlay:<env>` naming. */
function overlayEnv(deps: Pick<Deps, 'config'>): string {
  const env = deps.config.STAGE;
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(env)) throw fail.badRequest(`STAGE ${env} cannot name an overlay namespace (lower-case, starting with a letter, ≤ 32 characters).`);
  return env;
}

function host(deps: Pick<Deps, 'config'>): string {
  return deps.config.PUBLIC_BASE_URL ? new URL(deps.config.PUBLIC_BASE_URL).host : 'localhost';
}

interface VersionFacts {
  readonly txid: string;
  readonly producedAt: string;
  readonly contentHash: string | null;
}

async function versionFacts(deps: Pick<Deps, 'sql'>, versionId: string): Promise<VersionFacts> {
  const r = await getPublishedVersion(deps.sql, versionId);
  if (!r) throw fail.notFound(`No published version ${versionId}.`, 'Publish it through POST /submit first.');
  return { txid: r.txid, producedAt: r.createdAt ?? '1970-01-01T00:00:00Z', contentHash: /^[0-9a-f]{64}$/.test(r.contentHash ?? '') ? r.contentHash : null };
}

/** The publish COMPLETE event of a catalog version (same version → same event hash). */
async function publishEventOf(deps: Pick<Deps, 'sql' | 'config'>, versionId: string): Promise<unknown> {
  const facts = await versionFacts(deps, versionId);
  const parents = await getParents(deps.sql, versionId);
  return publishEvent({ env: overlayEnv(deps), versionId, txid: facts.txid, parents, producedAt: facts.producedAt, contentHash: facts.contentHash, host: host(deps) });
}

/** Builds and ingests the publish COMPLETE event of a catalog version (idempotent). */
export async function emitPublishEvent({ deps, ctx, input }: Call<EmitDeps, { versionId: string }>): Promise<IngestReport> {
  return ingestLineage({ deps, ctx, input: { events: [await publishEventOf(deps, input.versionId)] } });
}

/** Builds and ingests the RETRACTED event of a catalog version. */
export async function emitRecallEvent({ deps, ctx, input }: Call<EmitDeps, { versionId: string; reason?: string | null }>): Promise<IngestReport> {
  const facts = await versionFacts(deps, input.versionId);
  const event = await recallEvent({
    env: overlayEnv(deps),
    versionId: input.versionId,
    txid: facts.txid,
    producedAt: facts.producedAt,
    recalledAt: new Date(deps.clock.now()).toISOString(),
    reason: input.reason ?? null,
    host: host(deps),
  });
  return ingestLineage({ deps, ctx, input: { events: [event] } });
}

/**
 * Emits the publish event of every catalog version whose `publish::<versionId>` job is missing
 * from the lineage store (a `lineage.publish` job that was lost, or publishes made with the
 * `lineageHooks` flag off). The catalog tables are the source of truth, so nothing is lost for good.
 */
export async function reconcilePublishEvents({ deps, ctx, input }: Call<EmitDeps, { limit?: number }>): Promise<{ emitted: string[] }> {
  const rows = await deps.sql.query<{ version_id: string }>(
    `SELECT d.version_id FROM declarations d
       LEFT JOIN ol_jobs j ON j.namespace = $1 AND j.name = 'publish::' || d.version_id
      WHERE j.namespace IS NULL ORDER BY d.created_at, d.version_id LIMIT $2`,
    [`overlay:${overlayEnv(deps)}`, input.limit ?? 100],
  );
  const emitted: string[] = [];
  for (const r of rows) {
    await emitPublishEvent({ deps, ctx, input: { versionId: r.version_id } });
    emitted.push(r.version_id);
  }
  return { emitted };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The `lineage.publish` handler: stores each version's COMPLETE event at once (this is already
 * the consumer, so async ingest mode does not queue it a second time). A version that does not
 * exist or cannot name its namespace will not get better: those are not retried.
 */
export const lineagePublishHandler: JobHandler<Deps> = async (deps, batch, ctxFor) => {
  const out: Outcome[] = [];
  for (const d of batch) {
    const p = PublishJobPayload.safeParse(d.job.payload);
    if (!p.success) {
      out.push({ ok: false, error: `malformed lineage.publish payload: ${p.error.issues[0]?.message}`, retryable: false });
      continue;
    }
    // the queue consumer's actor; the publishing request's id ties the event to its request
    const base = ctxFor(d);
    const ctx = { ...base, requestId: p.data.requestId ?? base.requestId };
    try {
      const r = await storeEvents({ deps, ctx, input: { events: [await publishEventOf(deps, p.data.versionId)] } });
      out.push(r.invalid === 0 ? { ok: true } : { ok: false, error: `publish event of ${p.data.versionId} is invalid`, retryable: false });
    } catch (e) {
      const permanent = isStrataError(e) && (e.code === 'not-found' || e.code === 'bad-request');
      out.push(permanent ? { ok: false, error: errorText(e), retryable: false } : { ok: false, error: errorText(e) });
    }
  }
  return out;
};

/** Registers the `lineage.publish` consumer (called once by createDeps). */
export function registerPublishEventJobs(jobs: JobRouter<Deps>): void {
  jobs.on('lineage.publish', lineagePublishHandler);
}
