/** Reachability of each tier, checked in parallel with a deadline so /health answers fast. */
import { z } from 'zod';
import type { Deps } from '../deps';
import { outboxBacklog, type Backlog } from '../outbox/outbox';

export const TierHealth = z.object({
  tier: z.string(),
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().optional(),
});
export type TierHealth = z.infer<typeof TierHealth>;

export const TierName = z.enum(['database', 'cache', 'storage', 'queue']);
export type TierName = z.infer<typeof TierName>;

export const BacklogHealth = z
  .object({
    outboxPending: z.number().int().describe('Cache invalidations committed but not yet applied (the sweeper applies them).'),
    outboxOldestSec: z.number().describe('Age of the oldest of them in seconds (0 when none): how stale a cached read can be now.'),
    deadLetters: z.number().int().describe('Jobs that failed their last attempt and were not replayed.'),
  })
  .nullable()
  .describe('Post-commit work still owed; null when the database did not answer. Informational: a backlog alone does not make /health 503.');

export const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  timestamp: z.string(),
  failing: z.array(TierName),
  database: TierHealth,
  cache: TierHealth,
  storage: TierHealth,
  queue: TierHealth,
  backlog: BacklogHealth,
});
export type HealthReport = z.infer<typeof HealthReport>;

/** GET /health: the report plus whether rate limits are enforced or failing open. */
export const HealthResponse = HealthReport.extend({ rateLimit: z.object({ failOpen: z.boolean(), detail: z.string() }) });


const DEADLINE_MS = 2_000;

async function probe(tier: string, check: () => Promise<unknown>): Promise<TierHealth> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      }),
    ]);
    return { tier, ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (e) {
    // Only the error class and message: no connection strings reach the body.
    const msg = e instanceof Error ? e.message.replace(/\w+:\/\/\S+/g, '<url>') : 'unreachable';
    return { tier, ok: false, latencyMs: Math.round(performance.now() - started), error: msg.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

/** The backlog within the same deadline as the probes; null when it cannot be read in time. */
async function backlogOf(deps: Pick<Deps, 'sql'>): Promise<Backlog | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([outboxBacklog(deps.sql), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DEADLINE_MS)))]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the named tiers (the others are reported as not checked, ok) and, with `backlog`, reads the backlog. */
export async function checkHealth(deps: Deps, which: readonly TierName[], opts: { backlog?: boolean } = {}): Promise<HealthReport> {
  const skip = (tier: string): Promise<TierHealth> => Promise.resolve({ tier, ok: true, latencyMs: 0 });
  const [database, cache, storage, queue, backlog] = await Promise.all([
    which.includes('database') ? probe(deps.sql.kind, () => deps.sql.query('SELECT 1 AS ok')) : skip(deps.sql.kind),
    which.includes('cache') ? probe(deps.kv.kind, () => deps.kv.ping()) : skip(deps.kv.kind),
    which.includes('storage') ? probe(deps.blobs.kind, () => deps.blobs.ping()) : skip(deps.blobs.kind),
    skip(deps.queue.kind),
    opts.backlog ? backlogOf(deps) : Promise.resolve(null),
  ]);
  const failing = (Object.entries({ database, cache, storage, queue }) as [TierName, TierHealth][])
    .filter(([, h]) => !h.ok)
    .map(([n]) => n);
  return { status: failing.length ? 'degraded' : 'ok', timestamp: new Date().toISOString(), failing, database, cache, storage, queue, backlog };
}
