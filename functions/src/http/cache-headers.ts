/**
 * HTTP caching for reads served by the cache engine: `x-cache: hit|miss|stale`, a weak ETag
 * over the JSON body with `If-None-Match` → 304, and `Cache-Control` whose max-age is the
 * namespace's L1 window — the staleness any isolate may already show — so HTTP caches add no
 * new kind of staleness after a write (docs/adr/0003). Serialisation and the ETag are memoised
 * per cached value object, so an L1 hit does not re-serialise; values that carry their body as
 * JSON text (lineage graphs) skip serialisation altogether, on L2 hits too.
 *
 * Only values an L1 hit returned are memoised: those are the objects L1 hands out again. A value
 * read from L2 or loaded is a new object; a WeakMap entry keyed by it, even once nothing else
 * holds it, survives V8's young-generation collections (ephemerons are only cleared by a full
 * collection) and is promoted with its body. Measured on L2 reads of a 30 KB graph with L1 off:
 * ~2 MB promoted per scavenge and scavenges of 2.5–3 ms, against 0.1 MB and 0.7–1 ms unmemoised.
 */
import type { Context } from 'hono';
import type { CacheNamespace, CacheResult, CacheStatus, CacheTier, NamespaceWindows } from '@strata/core/cache/index';
import { fnv64 } from '@strata/core/util/hash';
import { problem } from '../problem';

interface Serialised {
  readonly body: string;
  readonly etag: string;
  /**
   * The 200 and 304 header sets this body was last sent with, built once per memoised entry
   * (its cache-control and x-cache rarely change): a hit then builds no header object, no
   * cache-control string and no spread (docs/adr/0057).
   */
  sent?: SentHeaders;
}

interface SentHeaders {
  readonly cacheControl: string;
  readonly xCache: string;
  readonly ok: Readonly<Record<string, string>>;
  readonly notModified: Readonly<Record<string, string>>;
}

/** `Cache-Control` per namespace window table, built once (the table is fixed per Deps). */
const cacheControls = new WeakMap<object, string>();
function cacheControlOf(windows: { readonly l1: number; readonly stale: number }): string {
  let cc = cacheControls.get(windows);
  if (cc === undefined) {
    cc = `public, max-age=${windows.l1}, stale-while-revalidate=${windows.stale}`;
    cacheControls.set(windows, cc);
  }
  return cc;
}

function sentHeaders(s: Serialised, cacheControl: string, xCache: string): SentHeaders {
  const known = s.sent;
  if (known && known.cacheControl === cacheControl && known.xCache === xCache) return known;
  const notModified = { 'cache-control': cacheControl, etag: s.etag, 'x-cache': xCache, vary: 'accept-encoding' };
  const sent = { cacheControl, xCache, notModified, ok: { ...notModified, 'content-type': 'application/json' } };
  s.sent = sent;
  return sent;
}

const memo = new WeakMap<object, Serialised>();

const X_CACHE: Record<CacheStatus, string> = { hit: 'hit', miss: 'miss', stale: 'stale', 'stale-if-error': 'stale' };

/**
 * The body and its ETag, memoised per frozen cached value when `tier` is L1 (an L1 hit returns
 * the same object every time). `tag` is the body's fnv64 when the value already carries it
 * (computed once, at the fill).
 */
function memoised(value: object, tier: CacheTier, body: () => string, tag?: string): Serialised {
  const known = memo.get(value);
  if (known) return known;
  const text = body();
  const s = { body: text, etag: `W/"${tag ?? fnv64(text)}"` };
  if (tier === 'l1' && Object.isFrozen(value)) memo.set(value, s);
  return s;
}

const serialise = (value: object, tier: CacheTier): Serialised => memoised(value, tier, () => JSON.stringify(value));
/** For a value that already holds its JSON text (and perhaps its fnv64): nothing to serialise or hash. */
const serialisedText = (value: JsonText, tier: CacheTier): Serialised => memoised(value, tier, () => value.json, value.fnv64);

/** A cached value that carries its response body as JSON text, and optionally that text's fnv64. */
export interface JsonText {
  readonly json: string;
  readonly fnv64?: string;
}

/** True when `If-None-Match` names `etag` (weak comparison, lists and `*` allowed). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === bare;
  });
}

/** Responds with a cached read: 200 JSON (or 304), or a 404 problem when the value is null. */
export async function sendCached<T>(c: Context, result: CacheResult<T>, ns: CacheNamespace, notFound: { detail: string; hint?: string }): Promise<Response> {
  return respond(c, result.status, result.value === null ? null : serialise(result.value as object, result.tier), ns, notFound);
}

/**
 * `sendCached` for a cached value that carries its response body as JSON text (`json`): a hit
 * read from Kv then costs no parse of the body into objects and no serialisation back.
 */
export async function sendCachedJson(
  c: Context,
  result: CacheResult<JsonText | null>,
  ns: CacheNamespace,
  notFound: { detail: string; hint?: string },
): Promise<Response> {
  return respond(c, result.status, result.value === null ? null : serialisedText(result.value, result.tier), ns, notFound);
}

async function respond(c: Context, status: CacheStatus, s: Serialised | null, ns: CacheNamespace, notFound: { detail: string; hint?: string }): Promise<Response> {
  const xCache = X_CACHE[status];
  if (s === null) {
    c.header('x-cache', xCache);
    c.header('cache-control', 'no-store');
    return problem(c, { code: 'not-found', detail: notFound.detail, hint: notFound.hint });
  }
  const r = reply(s, xCache, c.get('deps').cache.namespaces[ns], c.req.header('if-none-match'));
  // through the context, so the request id and rate-limit headers set earlier are kept
  return r.body === null ? c.body(null, 304, r.headers) : c.body(r.body, 200, r.headers);
}

/** The 200 (or 304 when `ifNoneMatch` names the ETag) of a serialised value: body and headers. */
function reply(s: Serialised, xCache: string, windows: NamespaceWindows, ifNoneMatch: string | undefined): CachedReply {
  const h = sentHeaders(s, cacheControlOf(windows), xCache);
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, s.etag)) return { status: 304, body: null, headers: h.notModified };
  return { status: 200, body: s.body, headers: h.ok };
}

export interface CachedReply {
  readonly status: 200 | 304;
  readonly body: string | null;
  /** Shared between requests: copy before adding to it. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What `sendCached` answers for a found value, without a Hono context (http/hit-lane.ts). */
export function cachedReply(result: CacheResult<unknown>, windows: NamespaceWindows, ifNoneMatch: string | undefined): CachedReply {
  return reply(serialise(result.value as object, result.tier), X_CACHE[result.status], windows, ifNoneMatch);
}
