/**
 * `strata_lineage_events_total{outcome}`: OpenLineage events received by the ingest endpoints,
 * and what became of them — stored (new), duplicate (already stored), refused (invalid, or in a
 * batch over the size cap), queued (async mode; counted again as stored or duplicate when the
 * consumer stores them). One series per outcome, made once per Metrics.
 */
import type { Metrics, CounterSeries } from '../observability/metrics';

export type IngestOutcome = 'received' | 'stored' | 'duplicate' | 'refused' | 'queued';
const OUTCOMES: readonly IngestOutcome[] = ['received', 'stored', 'duplicate', 'refused', 'queued'];

const byMetrics = new WeakMap<Metrics, Record<IngestOutcome, CounterSeries>>();

export function lineageCounters(metrics: Metrics): Record<IngestOutcome, CounterSeries> {
  let c = byMetrics.get(metrics);
  if (!c) {
    metrics.describe('strata_lineage_events_total', 'OpenLineage events by outcome: received, stored, duplicate, refused, queued.');
    c = Object.fromEntries(OUTCOMES.map((o) => [o, metrics.counterSeries('strata_lineage_events_total', { outcome: o })])) as Record<IngestOutcome, CounterSeries>;
    byMetrics.set(metrics, c);
  }
  return c;
}
