/**
 * The `lineage.ingest` queue consumer and the catalog hooks (publish → COMPLETE event).
 *
 * Consumer: each delivery is one batch of events stored in one atomic batch, so a consumer that
 * dies mid-way leaves nothing half-written and the redelivery is absorbed by the event hashes.
 * A batch the database refuses is split up: the events that store alone are stored, the ones
 * that do not are sent on as their own `isolated` job, which retries with backoff and ends in
 * the dead-letter table with its error — holding only the poison, never the good events.
 */
import { z } from 'zod';
import { getParents } from '../catalog/repo';
import { onPublished } from '../catalog/service';
import type { Call, RequestCtx } from '../context';
import type { Deps } from '../deps';
import { fail, isStrataError } from '../errors';
import type { JobHandler, JobRouter } from '../jobs/router';
import type { Delivery, Outcome } from '../ports/queue';
import { OL_LIMITS } from './limits';
import { publishEvent, recallEvent } from './overlay-events';
import { ingestLineage, storeEvents, type IngestJobPayload, type IngestReport, type LineageIngestDeps } from './service';

const Payload = z.object({ events: z.array(z.unknown()).min(1).max(OL_LIMITS.maxBatchEvents), isolated: z.boolean().optional() });

const noWait = (deps: Pick<Deps, 'background'>) => (p: Promise<unknown>) => deps.background.track(p.catch(() => undefined));

/** What emitting overlay events uses. */
export type EmitDeps = LineageIngestDeps & Pick<Deps, 'clock'>;

function isUnavailable(e: unknown): boolean {
  return isStrataError(e) && e.code === 'unavailable';
}

function issuesText(r: IngestReport): string {
  return r.results
    .filter((x) => x.status === 'rejected')
    .map((x) => `event ${x.index}: ${(x.issues ?? []).map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`)
    .join(' | ');
}

/** Stores one delivery's events, isolating the ones that cannot be stored. */
async function consumeOne(deps: Deps, d: Delivery, ctx: RequestCtx): Promise<Outcome> {
  const parsed = Payload.safeParse(d.job.payload);
  if (!parsed.success) return { ok: false, error: `malformed lineage.ingest payload: ${parsed.error.issues[0]?.message}`, retryable: false };
  const { events, isolated } = parsed.data;
  try {
    const r = await storeEvents({ deps, ctx, input: { events } });
    if (r.invalid === 0) return { ok: true };
    // invalid events never become valid: dead-letter them (alone) at once
    if (isolated || events.length === r.invalid) return { ok: false, error: `invalid events: ${issuesText(r)}`, retryable: false };
    const bad = r.results.filter((x) => x.status === 'rejected').map((x) => events[x.index]);
    await deps.queue.send([{ type: 'lineage.ingest', payload: { events: bad, isolated: true } satisfies IngestJobPayload }]);
    return { ok: true };
  } catch (e) {
    if (isUnavailable(e) || events.length === 1) return { ok: false, error: errorText(e) };
  }
  // the batch was refused: store event by event, send the ones that fail on as their own job
  const poison: unknown[] = [];
  const errors: string[] = [];
  for (const ev of events) {
    try {
      await storeEvents({ deps, ctx, input: { events: [ev] } });
    } catch (e) {
      if (isUnavailable(e)) return { ok: false, error: errorText(e) };
      poison.push(ev);
      errors.push(errorText(e));
    }
  }
  if (poison.length === 0) return { ok: true };
  deps.log.warn('lineage events isolated', { delivery: d.id, count: poison.length, error: errors[0] });
  await deps.queue.send([{ type: 'lineage.ingest', payload: { events: poison, isolated: true } satisfies IngestJobPayload }]);
  return { ok: true };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The `lineage.ingest` handler: deliveries one after another (each is already a batch of events). */
export const lineageIngestHandler: JobHandler = async (deps, batch, ctxFor) => {
  const out: Outcome[] = [];
  for (const d of batch) {
    try {
      out.push(await consumeOne(deps, d, ctxFor(d)));
    } catch (e) {
      out.push({ ok: false, error: errorText(e) });
    }
  }
  return out;
};

/** Registers the lineage consumers on the job router (called once by createDeps). */
export function registerLineageJobs(jobs: JobRouter): void {
  jobs.on('lineage.ingest', lineageIngestHandler);
}

// ---------------------------------------------------------------------------------------------
// Catalog hooks

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
  const rows = await deps.sql.query<{ txid: string; produced_at: string | null; content_hash: string | null }>(
    `SELECT d.txid, m.body->'provenance'->>'createdAt' AS produced_at, m.body->'content'->>'contentHash' AS content_hash
       FROM declarations d JOIN manifests m USING (version_id) WHERE d.version_id = $1`,
    [versionId],
  );
  const r = rows[0];
  if (!r) throw fail.notFound(`No published version ${versionId}.`, 'Publish it through POST /submit first.');
  return { txid: r.txid, producedAt: r.produced_at ?? '1970-01-01T00:00:00Z', contentHash: /^[0-9a-f]{64}$/.test(r.content_hash ?? '') ? r.content_hash : null };
}

/** Builds and ingests the publish COMPLETE event of a catalog version (idempotent: same version → same event hash). */
export async function emitPublishEvent(call: Call<EmitDeps, { versionId: string }>): Promise<IngestReport> {
  const { deps, ctx, input: { versionId } } = call;
  const facts = await versionFacts(deps, versionId);
  const parents = await getParents(deps.sql, versionId);
  const event = await publishEvent({ env: overlayEnv(deps), versionId, txid: facts.txid, parents, producedAt: facts.producedAt, contentHash: facts.contentHash, host: host(deps) });
  return ingestLineage({ deps, ctx, input: { events: [event] } });
}

/** Builds and ingests the RETRACTED event of a catalog version. */
export async function emitRecallEvent(call: Call<EmitDeps, { versionId: string; reason?: string | null }>): Promise<IngestReport> {
  const { deps, ctx, input } = call;
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
 * from the lineage store (a hook that never ran, e.g. the process died after the publish
 * committed). The catalog tables are the source of truth, so nothing is lost for good.
 */
export async function reconcilePublishEvents(call: Call<EmitDeps, { limit?: number }>): Promise<{ emitted: string[] }> {
  const { deps, ctx } = call;
  const limit = call.input.limit ?? 100;
  const rows = await deps.sql.query<{ version_id: string }>(
    `SELECT d.version_id FROM declarations d
       LEFT JOIN ol_jobs j ON j.namespace = $1 AND j.name = 'publish::' || d.version_id
      WHERE j.namespace IS NULL ORDER BY d.created_at, d.version_id LIMIT $2`,
    [`overlay:${overlayEnv(deps)}`, limit],
  );
  const emitted: string[] = [];
  for (const r of rows) {
    await emitPublishEvent({ deps, ctx, input: { versionId: r.version_id } });
    emitted.push(r.version_id);
  }
  return { emitted };
}

/**
 * Emits the publish event after every catalog publish on these deps (feature flag `lineageHooks`,
 * default on), under the publishing request's actor and request id (its audit row names them).
 */
export function installLineageHooks(deps: Deps): void {
  if (deps.config.FEATURE_FLAGS_JSON?.lineageHooks === false) return;
  onPublished(deps, async (event, ctx) => {
    // already after the response: further background work is tracked, not tied to the request
    await emitPublishEvent({ deps, ctx: { ...ctx, waitUntil: noWait(deps) }, input: { versionId: event.versionId } });
  });
}
