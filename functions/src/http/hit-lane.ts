/**
 * The hit lane (docs/adr/0057): a catalog read whose answer is already in this isolate's L1 is
 * answered before Hono's routing and middleware, synchronously, with the same bytes, headers,
 * metrics and access-log line the full path gives it. Anything else — or anything the lane is
 * not sure of — returns `undefined` and goes through the app as before, which then does all of
 * its own work (nothing is recorded twice: the lane records only what it answers).
 *
 * It answers only when every middleware of the full path would have been a pass-through:
 * - `GET` only (HEAD and the rest take the app), with no `Origin` header (CORS), and public
 *   rate limiting off (`RATE_LIMIT_PER_MIN=0`; when on, every read takes the app and its limiter);
 * - `GET /listings/{versionId}`: 64 hex, no query string, no percent-encoding in the path;
 * - `GET /listings?…`: the query passes the parsing edge's rules and the route's own zod schema
 *   (`ListingsQuery`), parsed by the same Hono function the route's validator uses; a policy
 *   preview (`policyPreview=true`) takes the app;
 * - and `cache.hit` finds the entry fresh in L1 (a null — a cached 404 — takes the app).
 * What it then does is what those layers do for such a request: the request id (the client's
 * when well-formed, else a new one) in `x-request-id`, the body, ETag / 304, `x-cache`,
 * `cache-control`, `vary`, one `strata_http_requests_total` and duration sample under the route
 * template, one cache-read sample (recorded by `cache.hit`), and the access-log line.
 * test/api/hit-lane.test.ts compares its answers with the app's, request by request.
 */
import { getQueryParams } from 'hono/utils/url';
import type { CacheResult } from '@strata/core/cache/index';
import type { Deps } from '@strata/core/deps';
import { cacheKeys } from '@strata/core/cache/index';
import { listingsRead } from '@strata/core/catalog/service';
import { createRequestRecorder } from '@strata/core/observability/http';
import { checkQuery } from '../middleware/edge';
import { REQUEST_ID } from '../middleware/request-context';
import { ListingsQuery } from '@strata/core/catalog/schema';
import { cachedReply } from './cache-headers';

const DETAIL_PREFIX = '/listings/';
const HEX64 = /^[0-9a-fA-F]{64}$/;

/** `(request) => Response | undefined`; undefined: the app answers. */
export function hitLane(deps: Deps): ((req: Request) => Response | undefined) | undefined {
  const hit = deps.cache.hit?.bind(deps.cache);
  if (!hit || deps.config.RATE_LIMIT_PER_MIN > 0) return undefined;
  const record = createRequestRecorder(deps.metrics);
  const log = deps.log;
  const windows = deps.cache.namespaces;

  const answer = (req: Request, started: number, route: string, result: CacheResult<unknown>, ns: 'assets' | 'listings'): Response => {
    const incoming = req.headers.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const r = cachedReply(result, windows[ns], req.headers.get('if-none-match') ?? undefined);
    const res = new Response(r.body, { status: r.status, headers: { ...r.headers, 'x-request-id': requestId } });
    const ms = performance.now() - started;
    record(route, 'GET', r.status, ms);
    log.info('request', { method: 'GET', route, status: r.status, durationMs: Math.round(ms * 100) / 100, requestId });
    return res;
  };

  /** Raw listings query string → its cache key, or null when the app must answer it. */
  const listingKeys = new Map<string, string | null>();
  return (req) => {
    if (req.method !== 'GET') return undefined;
    const started = performance.now();
    const url = req.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    if (start < 0 || !url.startsWith(DETAIL_PREFIX.slice(0, -1), start)) return undefined;
    if (req.headers.get('origin') !== null) return undefined;
    const q = url.indexOf('?', start);
    const path = q < 0 ? url.slice(start) : url.slice(start, q);
    if (path.length === DETAIL_PREFIX.length + 64 && path.startsWith(DETAIL_PREFIX)) {
      if (q >= 0 || url.includes('#')) return undefined;
      const versionId = path.slice(DETAIL_PREFIX.length);
      if (!HEX64.test(versionId)) return undefined;
      const result = hit('assets', cacheKeys.asset(versionId.toLowerCase()));
      if (!result || result.value === null) return undefined;
      return answer(req, started, '/listings/:versionId', result, 'assets');
    }
    if (path !== '/listings' || url.includes('#')) return undefined;
    const raw = q < 0 ? '' : url.slice(q + 1);
    let key = listingKeys.get(raw);
    if (key === undefined) {
      key = listingsKey(url, q);
      // the raw query decides the key (or that the app must answer): a pure function, so a bounded memo
      if (listingKeys.size >= LISTING_KEYS_MAX) listingKeys.clear();
      listingKeys.set(raw, key);
    }
    if (key === null) return undefined;
    const result = hit('listings', key);
    if (!result || result.value === null) return undefined;
    return answer(req, started, '/listings', result, 'listings');
  };
}

const LISTING_KEYS_MAX = 10_000;

/** The cache key of a listings query the lane may answer, or null. */
function listingsKey(url: string, q: number): string | null {
  const query = listingsQuery(url, q);
  if (!query) return null;
  try {
    const read = listingsRead(query);
    return 'empty' in read ? null : read.key;
  } catch {
    return null;
  }
}

/** The listings route's validated query, or null when the app must judge it. */
function listingsQuery(url: string, q: number): Parameters<typeof listingsRead>[0] | null {
  if (q >= 0) {
    try {
      checkQuery(url.slice(q + 1));
    } catch {
      return null;
    }
  }
  // as the route's validator reads it: every name's values, one value as a string
  const value: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(getQueryParams(url) as Record<string, string[]>)) value[k] = v.length === 1 ? v[0]! : v;
  const parsed = ListingsQuery.safeParse(value);
  if (!parsed.success || parsed.data.policyPreview === 'true') return null;
  const { policyPreview: _p, policyId: _id, ...input } = parsed.data;
  return input;
}
