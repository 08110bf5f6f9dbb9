/**
 * Queue consumers for the core job types that are not a domain's own: an outbox sweep on
 * demand and an explicit cache invalidation. Both are idempotent (a repeated invalidation only
 * costs a cache miss).
 */
import { z } from 'zod';
import { CacheInvalidation } from '../cache/index';
import { sweepOutbox } from '../outbox/outbox';
import type { Outcome } from '../ports/queue';
import type { Deps } from '../deps';
import type { JobRouter } from './router';

const SweepPayload = z.object({ olderThanSec: z.number().int().min(0).max(86_400).optional() }).strict().optional();

/** Registers `outbox.sweep` and `cache.invalidate` on the router. */
export function registerCoreJobs(jobs: JobRouter<Deps>): void {
  jobs.on('outbox.sweep', async (deps, batch) => {
    const outcomes: Outcome[] = [];
    for (const d of batch) {
      const p = SweepPayload.safeParse(d.job.payload);
      if (!p.success) {
        outcomes.push({ ok: false, error: `invalid outbox.sweep payload: ${p.error.issues[0]?.message ?? 'bad shape'}`, retryable: false });
        continue;
      }
      const r = await sweepOutbox(deps, { olderThanSec: p.data?.olderThanSec ?? 0 });
      outcomes.push(r.failed > 0 ? { ok: false, error: 'kv unavailable; outbox rows remain pending' } : { ok: true });
    }
    return outcomes;
  });
  jobs.on('cache.invalidate', async (deps, batch) => {
    const outcomes: Outcome[] = [];
    for (const d of batch) {
      const p = CacheInvalidation.safeParse(d.job.payload);
      if (!p.success) {
        outcomes.push({ ok: false, error: 'invalid cache.invalidate payload', retryable: false });
        continue;
      }
      const r = await deps.cache.invalidate(p.data);
      outcomes.push(r.applied ? { ok: true } : { ok: false, error: `invalidation not applied (${r.reason ?? 'unknown'})` });
    }
    return outcomes;
  });
}
