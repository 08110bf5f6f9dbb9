/**
 * What /metrics reads when it is scraped rather than on every event: the outbox backlog and the
 * dead letters (outbox/outbox.ts `outboxBacklog`, which /health reports too), the in-process queue's depth, and the process (memory, event-loop delay) where the host
 * can measure it. Each is a separate collector: one that fails leaves out only its own series.
 */
import { BACKLOG_COUNT_CAP, outboxBacklog } from '../outbox/outbox';
import type { Metrics, Sample } from './metrics';
import type { Sql } from '../ports/sql';
import type { Queue } from '../ports/queue';

/** Memory and event-loop delay of the host process (Node and Lambda; Workers have neither). */
export interface ProcessStats {
  memory(): { rss: number; heapUsed: number; heapTotal: number; external: number };
  /** Event-loop delay since the previous call, in milliseconds; null when not measured. */
  eventLoopDelay(): { p50: number; p99: number; max: number; mean: number } | null;
  close(): void;
}

function hasDepth(q: Queue): q is Queue & { depth(): { ready: number; inFlight: number; retrying: number } } {
  return typeof (q as { depth?: unknown }).depth === 'function';
}

/** Registers the scrape-time collectors; returns what stops them (the event-loop monitor). */
export function registerCollectors(o: { metrics: Metrics; sql: Sql; queue: Queue; process?: ProcessStats }): () => void {
  const { metrics, sql, queue } = o;
  metrics.collector(
    'backlog',
    async (): Promise<Sample[]> => {
      const b = await outboxBacklog(sql);
      return [
        { name: 'strata_outbox_pending', value: b.outboxPending },
        { name: 'strata_outbox_oldest_pending_age_seconds', value: b.outboxOldestSec },
        { name: 'strata_dead_letters_pending', value: b.deadLetters },
      ];
    },
    {
      help: {
        strata_outbox_pending: `Cache invalidations committed but not yet applied (cache_outbox rows with applied_at NULL; counted up to ${BACKLOG_COUNT_CAP}).`,
        strata_outbox_oldest_pending_age_seconds: 'Age of the oldest unapplied outbox row (0 when none): how stale a cached read can be right now.',
        strata_dead_letters_pending: `Jobs that failed their last attempt and were not replayed (dead_letters; counted up to ${BACKLOG_COUNT_CAP}).`,
      },
    },
  );
  if (hasDepth(queue)) {
    metrics.collector(
      'queue',
      () => {
        const d = queue.depth();
        return [
          { name: 'strata_queue_depth', labels: { queue: queue.kind, state: 'ready' }, value: d.ready },
          { name: 'strata_queue_depth', labels: { queue: queue.kind, state: 'in_flight' }, value: d.inFlight },
          { name: 'strata_queue_depth', labels: { queue: queue.kind, state: 'retrying' }, value: d.retrying },
        ];
      },
      { help: { strata_queue_depth: 'Jobs in the in-process queue by state (SQS and Cloudflare Queues report their own depth).' } },
    );
  }
  const proc = o.process;
  if (proc) {
    metrics.collector(
      'process',
      () => {
        const m = proc.memory();
        const out: Sample[] = [
          { name: 'process_resident_memory_bytes', value: m.rss },
          { name: 'nodejs_heap_used_bytes', value: m.heapUsed },
          { name: 'nodejs_heap_total_bytes', value: m.heapTotal },
          { name: 'nodejs_external_memory_bytes', value: m.external },
        ];
        const d = proc.eventLoopDelay();
        if (d) {
          out.push(
            { name: 'nodejs_eventloop_delay_seconds', labels: { stat: 'p50' }, value: d.p50 / 1000 },
            { name: 'nodejs_eventloop_delay_seconds', labels: { stat: 'p99' }, value: d.p99 / 1000 },
            { name: 'nodejs_eventloop_delay_seconds', labels: { stat: 'max' }, value: d.max / 1000 },
            { name: 'nodejs_eventloop_delay_seconds', labels: { stat: 'mean' }, value: d.mean / 1000 },
          );
        }
        return out;
      },
      {
        help: {
          process_resident_memory_bytes: 'Resident set size of the process.',
          nodejs_heap_used_bytes: 'V8 heap in use.',
          nodejs_heap_total_bytes: 'V8 heap reserved.',
          nodejs_external_memory_bytes: 'Memory of objects outside the V8 heap (buffers).',
          nodejs_eventloop_delay_seconds: 'Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay).',
        },
      },
    );
  }
  return () => proc?.close();
}
