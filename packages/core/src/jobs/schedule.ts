/**
 * Scheduled jobs: the names infra/schedules.ts fires (EventBridge `{ job }` on Lambda, a cron
 * expression mapped through CRON_JOBS_JSON on Workers) and the function each one runs. A
 * domain adds its job by adding one entry to `scheduleJobs`. A scheduled name with no entry
 * yet is reported as skipped, never faked. The runner sets each run's context once: actor
 * `{ kind: 'schedule', job }`, request id `schedule:<job>` (what its audit rows record).
 */
import { z } from 'zod';
import { systemCtx, type Call, type NoInput, type RequestCtx } from '../context';
import type { Deps } from '../deps';
import { archiveAuditLog } from '../audit/archive';
import { sweepOutbox } from '../outbox/outbox';
import { reconcilePublishEvents } from '../lineage/publish-events';
import { maintainEventStore } from '../lineage/retention';
import { refreshHeaders } from '../spv/refresh';
import { reconcileReceipts } from '../payments/confirm';
import { takeForReplay } from './dead-letters';
import { abortAbandonedUploads } from '../uploads/service';
import { fail } from '../errors';
import { pruneNonces } from '../identity/nonces';

/** Every job name the schedules may fire (keep in step with infra/schedules.ts). */
export const SCHEDULE_NAMES = ['outbox-sweep', 'dead-letter-replay', 'receipt-reconcile', 'headers-refresh', 'audit-archive', 'lineage-partitions', 'identity-nonce-prune', 'uploads-abort'] as const;
export const ScheduleName = z.enum(SCHEDULE_NAMES);
export type ScheduleName = z.infer<typeof ScheduleName>;

/** A scheduled job: idempotent, returns a small summary for the logs. */
export type ScheduledJob = (call: Call<Deps, NoInput>) => Promise<Record<string, unknown>>;

/** The context a scheduled job runs under. */
export function scheduleCtx(deps: Pick<Deps, 'background'>, job: ScheduleName): RequestCtx {
  return systemCtx((p) => deps.background.track(p), { kind: 'schedule', job }, `schedule:${job}`);
}

/** Registered implementations. */
export const scheduleJobs: Partial<Record<ScheduleName, ScheduledJob>> = {
  /**
   * Repairs what a writer that died after its commit left undone: cache invalidations it could
   * not apply (ARCHITECTURE §5) and OpenLineage publish events whose `lineage.publish` job was lost.
   */
  'outbox-sweep': async ({ deps, ctx }) => {
    const outbox = await sweepOutbox(deps, { olderThanSec: deps.config.OUTBOX_SWEEP_AFTER_SEC });
    const lineage = deps.config.FEATURE_FLAGS_JSON?.lineageHooks === false ? { emitted: [] } : await reconcilePublishEvents({ deps, ctx, input: {} });
    return { ...outbox, lineageEventsEmitted: lineage.emitted.length };
  },
  /** Loads new block headers from HEADERS_SOURCE (a reorg invalidates through the outbox). */
  'headers-refresh': async ({ deps, ctx }) => {
    const r = await refreshHeaders({ deps, ctx, input: {} });
    if (r.status === 'failed') throw new Error(`headers source failed: ${r.error}`);
    return { ...r };
  },
  /**
   * Settles payments: confirms paid receipts whose payment an SPV proof (stored, or ARC's merkle
   * path) now proves with MIN_CONFS, demotes confirmed ones whose block a reorg dropped, and
   * expires lapsed receipts (payments/confirm.ts).
   */
  'receipt-reconcile': async (call) => ({ ...(await reconcileReceipts(call)) }),
  /** Re-sends dead letters through the queue (each job is idempotent). */
  'dead-letter-replay': async ({ deps, ctx }) => {
    const replayed = await takeForReplay({ deps, ctx, input: { limit: 100 } });
    return { replayed: replayed.length };
  },
  /**
   * Keeps the monthly `ol_events` partitions made three months ahead (the migration made only
   * its own three) and archives months before OL_EVENTS_RETAIN_MONTHS (lineage/retention.ts).
   */
  'lineage-partitions': async ({ deps }) => {
    const r = await maintainEventStore(deps, { retainMonths: deps.config.OL_EVENTS_RETAIN_MONTHS });
    return { created: r.created, archived: r.archived.map((a) => `${a.partition} (${a.rows} rows)`) };
  },
  /** Forgets identity-signature nonces whose timestamp is outside the window (they are refused on it). */
  'identity-nonce-prune': async ({ deps }) => pruneNonces(deps.sql, { nowMs: deps.clock.now(), windowSec: deps.config.IDENTITY_WINDOW_SEC }),
  /** Aborts uploads left pending past UPLOAD_ABANDON_AFTER_SEC (a multipart upload's parts cost storage). */
  'uploads-abort': async ({ deps, ctx }) => abortAbandonedUploads({ deps, ctx, input: {} }),
  /** Archives audit partitions past AUDIT_RETAIN_MONTHS and creates the next ones. */
  'audit-archive': async ({ deps }) => {
    const r = await archiveAuditLog(deps, { retainMonths: deps.config.AUDIT_RETAIN_MONTHS });
    return { created: r.created, archived: r.archived.map((a) => `${a.partition} (${a.rows} rows)`) };
  },
};

export type ScheduleRun =
  | { readonly job: ScheduleName; readonly status: 'ok'; readonly ms: number; readonly result: Record<string, unknown> }
  | { readonly job: ScheduleName; readonly status: 'failed'; readonly ms: number; readonly error: string }
  | { readonly job: ScheduleName; readonly status: 'skipped'; readonly reason: string };

/** Validates job names (an unknown name is a deployment mistake: `bad-request`). */
export function parseScheduleNames(names: readonly unknown[]): ScheduleName[] {
  const r = z.array(ScheduleName).min(1).safeParse(names);
  if (!r.success) throw fail.badRequest(`Unknown scheduled job in ${JSON.stringify(names)}.`, `known jobs: ${SCHEDULE_NAMES.join(', ')}`);
  return r.data;
}

/**
 * Runs the named jobs one after another (they share one connection budget) and logs each.
 * One job failing does not stop the others; the caller decides whether a failure fails the
 * invocation (Lambda retries it; Workers log it).
 */
export async function runScheduledJobs(deps: Deps, names: readonly ScheduleName[], jobs = scheduleJobs): Promise<ScheduleRun[]> {
  const runs: ScheduleRun[] = [];
  for (const job of names) {
    const fn = jobs[job];
    if (!fn) {
      deps.log.warn('scheduled job not implemented yet', { job });
      runs.push({ job, status: 'skipped', reason: 'not implemented' });
      continue;
    }
    const started = Date.now();
    try {
      const result = await fn({ deps, ctx: scheduleCtx(deps, job), input: {} });
      runs.push({ job, status: 'ok', ms: Date.now() - started, result });
      deps.log.info('scheduled job done', { job, ms: Date.now() - started, ...result });
    } catch (e) {
      runs.push({ job, status: 'failed', ms: Date.now() - started, error: (e as Error).message ?? String(e) });
      deps.log.error('scheduled job failed', { job, error: String(e) });
    }
  }
  return runs;
}
