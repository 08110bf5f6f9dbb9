/**
 * Per-request HTTP metrics: `strata_http_requests_total{route,method,status}` and
 * `strata_http_request_duration_ms{route,method}`. `route` is the template the router matched
 * (`/listings/:versionId`), never the raw path, so the series are bounded by the routes the app
 * registers (plus `unmatched`). Series are memoised per label combination, so recording a
 * request is two map walks and two additions (bench/observe.ts measures it).
 */
import { keyed, type Metrics } from './metrics';

/** The route label of a request no route matched (404s, preflights answered by middleware). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Finer than the default buckets at the bottom: a cached read answers well under a millisecond. */
export const HTTP_BUCKETS_MS = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_TEXT = Array.from({ length: 600 }, (_, i) => String(i));

export type RequestRecorder = (route: string, method: string, status: number, ms: number) => void;

export function createRequestRecorder(metrics: Metrics): RequestRecorder {
  metrics.describe('strata_http_requests_total', 'HTTP requests by route template, method and status.');
  metrics.describe('strata_http_request_duration_ms', 'HTTP request latency in milliseconds by route template and method, from the first middleware to the response.');
  const count = keyed((route: string, method: string, status: string) => metrics.counterSeries('strata_http_requests_total', { route, method, status }));
  const latency = keyed((route: string, method: string) => metrics.histogramSeries('strata_http_request_duration_ms', { route, method }, HTTP_BUCKETS_MS));
  return (route, method, status, ms) => {
    const m = METHODS.has(method) ? method : 'OTHER';
    count(route, m, STATUS_TEXT[status] ?? 'other').inc();
    latency(route, m).observe(ms);
  };
}
