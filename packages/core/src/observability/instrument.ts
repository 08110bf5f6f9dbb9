/**
 * Port wrappers that count storage round trips (ARCHITECTURE: round trips are the latency in
 * production). Used by createDeps for /metrics and by tests to assert round trips per request.
 */
import type { BlobStore } from '../ports/blob';
import type { Kv } from '../ports/kv';
import type { Sql } from '../ports/sql';
import { keyed, type Metrics } from './metrics';

export interface RoundTrips {
  sql: number;
  kv: number;
}

/** Wraps an Sql so each query/batch counts one round trip (transactions count per statement). */
export function countSql(sql: Sql, onTrip: (op: string) => void): Sql {
  return {
    kind: sql.kind,
    query: (text, params) => {
      onTrip('query');
      return sql.query(text, params);
    },
    exec: sql.exec
      ? (script) => {
          onTrip('exec');
          return sql.exec!(script);
        }
      : undefined,
    batch: (statements) => {
      onTrip('batch');
      return sql.batch(statements);
    },
    transaction: (fn) =>
      sql.transaction((tx) =>
        fn({
          query: (text, params) => {
            onTrip('tx-query');
            return tx.query(text, params);
          },
          exec: tx.exec,
        }),
      ),
    close: () => sql.close(),
  };
}

/** Wraps a Kv so each call counts one round trip. */
export function countKv(kv: Kv, onTrip: (op: string) => void): Kv {
  const trip =
    <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) =>
    (...a: A) => {
      onTrip(op);
      return f(...a);
    };
  return {
    kind: kv.kind,
    mget: trip('mget', (k) => kv.mget(k)),
    set: trip('set', (k, v, o) => kv.set(k, v, o)),
    del: trip('del', (k) => kv.del(k)),
    incr: trip('incr', (k, o) => kv.incr(k, o)),
    exec: trip('exec', (c, o) => kv.exec(c, o)),
    ping: trip('ping', () => kv.ping()),
    close: () => kv.close(),
  };
}

/** Wraps a BlobStore so each call that reaches the store counts one round trip (presigning is local). */
export function countBlobs(blobs: BlobStore, onTrip: (op: string) => void): BlobStore {
  return {
    kind: blobs.kind,
    put: (k, b, o) => (onTrip('put'), blobs.put(k, b, o)),
    head: (k) => (onTrip('head'), blobs.head(k)),
    get: (k, r) => (onTrip('get'), blobs.get(k, r)),
    delete: (k) => (onTrip('delete'), blobs.delete(k)),
    presignGet: (k, o) => blobs.presignGet(k, o),
    presignPut: (k, o) => blobs.presignPut(k, o),
    ping: () => (onTrip('ping'), blobs.ping()),
  };
}

const ROUND_TRIPS = 'strata_storage_round_trips_total';

/** One counter series per op, made on first use (round trips are counted on every request). */
function tripCounter(metrics: Metrics, tier: 'sql' | 'kv' | 'blob'): (op: string) => void {
  metrics.describe(ROUND_TRIPS, 'Storage round trips by tier (sql, kv, blob) and operation; a transaction counts each statement.');
  const series = keyed((op: string) => metrics.counterSeries(ROUND_TRIPS, { tier, op }));
  return (op) => series(op).inc();
}

/** Counts into `metrics` as strata_storage_round_trips_total{tier,op}. */
export function instrumentSql(sql: Sql, metrics: Metrics): Sql {
  return countSql(sql, tripCounter(metrics, 'sql'));
}

/** Counts into `metrics` as strata_storage_round_trips_total{tier,op}. */
export function instrumentKv(kv: Kv, metrics: Metrics): Kv {
  return countKv(kv, tripCounter(metrics, 'kv'));
}

/** Counts into `metrics` as strata_storage_round_trips_total{tier="blob",op}. */
export function instrumentBlobs(blobs: BlobStore, metrics: Metrics): BlobStore {
  return countBlobs(blobs, tripCounter(metrics, 'blob'));
}
