/**
 * The `lineage.ingest` queue consumer (the publish → COMPLETE event job is publish-events.ts).
 *
 * Each delivery is one batch of events stored in one atomic batch, so a consumer that
 * dies mid-way leaves nothing half-written and the redelivery is absorbed by the event hashes.
 * A batch the database refuses is split up: the events that store alone are stored, the ones
 * that do not are sent on as their own `isolated` job, which retries with backoff and ends in
 * the dead-letter table with its error — holding only the poison, never the good events.
 */
import { z } from 'zod';
import type { RequestCtx } from '../context';
import type { Deps } from '../deps';
import { isStrataError } from '../errors';
import type { JobHandler, JobRouter } from '../jobs/router';
import type { Delivery, Outcome } from '../ports/queue';
import { OL_LIMITS } from './limits';
import { storeEvents, type IngestJobPayload, type IngestReport } from './service';

const Payload = z.object({ events: z.array(z.unknown()).min(1).max(OL_LIMITS.maxBatchEvents), isolated: z.boolean().optional() });

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
export const lineageIngestHandler: JobHandler<Deps> = async (deps, batch, ctxFor) => {
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
export function registerLineageJobs(jobs: JobRouter<Deps>): void {
  jobs.on('lineage.ingest', lineageIngestHandler);
}
