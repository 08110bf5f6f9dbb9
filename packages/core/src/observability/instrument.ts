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
    query: (text, params, options) => {
      onTrip('query');
      return sql.query(text, params, options);
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
          query: (text, params, options) => {
            onTrip('tx-query');
            return tx.query(text, params, options);
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

/**
 * Wraps a BlobStore so each call that reaches the store counts one round trip (tier `blob`).
 * Presigning is local computation (a signature, no request), so it is counted apart, as
 * `strata_presign_total{op}`, and a test can assert that issuing a URL made no blob round trip.
 */
export function countBlobs(blobs: BlobStore, onTrip: (op: string) => void, onPresign: (op: string) => void): BlobStore {
  const trip =
    <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) =>
    (...a: A) => {
      onTrip(op);
      return f(...a);
    };
  const presign =
    <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) =>
    (...a: A) => {
      onPresign(op);
      return f(...a);
    };
  const m = blobs.multipart;
  return Object.assign(Object.create(blobs) as BlobStore, {
    kind: blobs.kind,
    put: trip('put', (k: string, b: Uint8Array, o?: Parameters<BlobStore['put']>[2]) => blobs.put(k, b, o)),
    head: trip('head', (k: string) => blobs.head(k)),
    get: trip('get', (k: string, r?: Parameters<BlobStore['get']>[1]) => blobs.get(k, r)),
    delete: trip('delete', (k: string) => blobs.delete(k)),
    presignGet: presign('get', (k: string, o: Parameters<BlobStore['presignGet']>[1]) => blobs.presignGet(k, o)),
    presignPut: presign('put', (k: string, o: Parameters<BlobStore['presignPut']>[1]) => blobs.presignPut(k, o)),
    ping: trip('ping', () => blobs.ping()),
    multipart: {
      create: trip('mp-create', m.create.bind(m)),
      presignPart: presign('part', m.presignPart.bind(m)),
      putPart: trip('mp-put', m.putPart.bind(m)),
      listParts: trip('mp-list', m.listParts.bind(m)),
      complete: trip('mp-complete', m.complete.bind(m)),
      abort: trip('mp-abort', m.abort.bind(m)),
    },
  });
}

/** Counts into `metrics` as strata_storage_round_trips_total{tier="blob",op} and strata_presign_total{op}. */
export function instrumentBlobs(blobs: BlobStore, metrics: Metrics): BlobStore {
  metrics.describe('strata_presign_total', 'Presigned URLs issued by operation (local signatures, no request to the store).');
  const presigns = keyed((op: string) => metrics.counterSeries('strata_presign_total', { op }));
  return countBlobs(blobs, tripCounter(metrics, 'blob'), (op) => presigns(op).inc());
}
