/**
 * Routes queue deliveries to their handler by job type. Handlers are registered by the domains
 * (lineage ingest, outbox sweep, …) and receive the deps `D` they need (the composition root
 * binds `Deps`; this module names no domain type, so it imports nothing that imports it); every
 * handler is idempotent because delivery is at-least-once. The router is where a delivery's
 * context is made: actor `{ kind: 'queue', job: <type> }`, request id `job:<delivery id>` (`ctxFor`).
 */
import { systemCtx, type RequestCtx } from '../context';
import type { Background } from '../observability/background';
import type { Delivery, JobType, Outcome } from '../ports/queue';
import type { Logger } from '../observability/log';

/** What every handler's deps carry: background work of a delivery is tracked there. */
export interface JobDepsBase {
  readonly background: Background;
}

/** `ctxFor(d)` is the context the work of delivery `d` runs (and is audited) under. */
export type JobHandler<D> = (deps: D, batch: readonly Delivery[], ctxFor: (d: Delivery) => RequestCtx) => Promise<readonly Outcome[]>;

/** The context of one queue delivery (set here once, never by a handler). */
export function deliveryCtx(deps: JobDepsBase, d: Delivery): RequestCtx {
  return systemCtx((p) => deps.background.track(p), { kind: 'queue', job: d.job.type }, `job:${d.id}`);
}

export interface JobRouter<D extends JobDepsBase> {
  /** Registers the handler for a job type (last one wins). */
  on(type: JobType, handler: JobHandler<D>): void;
  /** Gives the router the deps handlers receive (called once by createDeps). */
  bind(deps: D): void;
  /** Consumes a batch: groups by type, runs each group's handler, returns outcomes in order. */
  consume(batch: readonly Delivery[]): Promise<Outcome[]>;
}

export function createJobRouter<D extends JobDepsBase>(log: Logger): JobRouter<D> {
  const handlers = new Map<JobType, JobHandler<D>>();
  let deps: D | undefined;
  return {
    on(type, handler) {
      handlers.set(type, handler);
    },
    bind(d) {
      deps = d;
    },
    async consume(batch) {
      const out: Outcome[] = new Array(batch.length);
      const groups = new Map<JobType, number[]>();
      batch.forEach((d, i) => {
        const g = groups.get(d.job.type) ?? [];
        g.push(i);
        groups.set(d.job.type, g);
      });
      for (const [type, idx] of groups) {
        const handler = handlers.get(type);
        if (!handler || !deps) {
          for (const i of idx) out[i] = { ok: false, error: `no handler for job type ${type}`, retryable: false };
          continue;
        }
        try {
          const bound = deps;
          const res = await handler(bound, idx.map((i) => batch[i]!), (d) => deliveryCtx(bound, d));
          idx.forEach((i, k) => (out[i] = res[k] ?? { ok: false, error: 'handler returned no outcome' }));
        } catch (e) {
          log.warn('job handler failed', { type, error: String(e) });
          for (const i of idx) out[i] = { ok: false, error: (e as Error).message ?? String(e) };
        }
      }
      return out;
    },
  };
}
