/**
 * The `headers-refresh` job: pulls the configured headers source (HEADERS_SOURCE — a headers
 * file in the seed's format, by path, `file://` URL or `http(s)://` URL), stores whatever the
 * store lacks of its best chain, and records the source's health. A failing source never throws
 * out of the job: it is recorded, and the served tip turns `unstable` until the source recovers.
 */
import type { Call } from '../context';
import type { Deps } from '../deps';
import { cacheKeys } from '../cache/keys';
import { storeHeaders } from '../bundle/headers';
import { MAX_HEADERS_PER_INSERT } from './header-store';
import { parseHeadersFile, rawHeadersInOrder, type HeadersFile } from './headers-file';

const FETCH_TIMEOUT_MS = 10_000;
/** Larger sources are refused (≈ the file size of MAX_FILE_HEADERS entries with raw headers). */
const MAX_SOURCE_BYTES = 512 * 1024 * 1024;
/** Hashes per "which of these do we have" probe. */
const PROBE_CHUNK = 5000;

export type RefreshResult =
  | { readonly status: 'skipped' }
  | { readonly status: 'ok'; readonly inserted: number; readonly tip: { height: number; hash: string } | null; readonly reorgs: number }
  | { readonly status: 'failed'; readonly error: string };

export interface RefreshOptions {
  /** Overrides HEADERS_SOURCE. */
  readonly source?: string;
  /** Reads the source text (default: fetch for http(s), the filesystem otherwise — Node only). */
  readonly read?: (source: string) => Promise<string>;
}

/**
 * Reads a headers source: fetch for http(s) URLs; paths and file:// URLs through the host's
 * `readTextFile` (Node only — Workers configure an http(s) source).
 */
export async function readHeadersSource(source: string, readTextFile: ((path: string) => Promise<string>) | null = null): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`headers source answered ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_SOURCE_BYTES) throw new Error('headers source is too large');
    return res.text();
  }
  const path = source.startsWith('file://') ? decodeURIComponent(new URL(source).pathname) : source;
  if (!readTextFile) throw new Error('a file headers source needs a host with a filesystem; configure an http(s) URL');
  return readTextFile(path);
}

/** Refreshes the header store from the configured source; records and returns failures. */
export async function refreshHeaders(call: Call<Pick<Deps, 'sql' | 'cache' | 'config' | 'log' | 'readTextFile'>, RefreshOptions>): Promise<RefreshResult> {
  const { deps, ctx, input: opts } = call;
  const source = opts.source ?? deps.config.HEADERS_SOURCE;
  if (!source) return { status: 'skipped' };
  try {
    const text = await (opts.read ?? ((src: string) => readHeadersSource(src, deps.readTextFile)))(source);
    const file = parseHeadersFile(text);
    const chain = rawHeadersInOrder(file);
    if (chain === null) throw new Error('the headers file carries no raw headers (entries need `raw`)');
    const from = await firstMissing(deps, bestChainHashes(file));
    let inserted = 0;
    let reorgs = 0;
    let tip: { height: number; hash: string } | null = null;
    for (let i = from; i < chain.headers.length; i += MAX_HEADERS_PER_INSERT) {
      const slice = chain.headers.slice(i, i + MAX_HEADERS_PER_INSERT);
      const r = await storeHeaders({ deps, ctx, input: { headers: slice, startHeight: chain.startHeight + i } });
      inserted += r.inserted;
      if (r.reorg) reorgs++;
      tip = { height: r.tip.height, hash: r.tip.hash };
    }
    await recordSourceState(deps, source, null);
    deps.log.info('headers refreshed', { inserted, reorgs, height: tip?.height ?? null });
    return { status: 'ok', inserted, tip, reorgs };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    deps.log.warn('headers source failed', { error });
    await recordSourceState(deps, source, error).catch(() => undefined);
    return { status: 'failed', error };
  }
}

/** Hashes of the file's best chain (the tip's ancestry), lowest first — the order of rawHeadersInOrder. */
function bestChainHashes(file: HeadersFile): string[] {
  const prev = new Map(file.headers.map((h) => [h.hash, h.prevHash]));
  const out: string[] = [];
  for (let h: string | undefined = file.tipHash; h !== undefined && prev.has(h) && out.length <= prev.size; h = prev.get(h)) out.push(h);
  return out.reverse();
}

/** Index of the first best-chain header the store lacks (0 when it has none of them). */
async function firstMissing(deps: Pick<Deps, 'sql'>, hashes: readonly string[]): Promise<number> {
  // probe from the top: a synced store has the newest headers, so the first probe usually answers
  for (let end = hashes.length; end > 0; end -= PROBE_CHUNK) {
    const start = Math.max(0, end - PROBE_CHUNK);
    const rows = await deps.sql.query(`SELECT hash FROM block_headers WHERE hash = ANY($1::text[])`, [hashes.slice(start, end)]);
    if (rows.length === 0) continue;
    const have = new Set(rows.map((r) => r.hash as string));
    for (let i = end - 1; i >= start; i--) if (have.has(hashes[i] as string)) return i + 1;
  }
  return 0;
}

/** Writes the source's health; a change of health drops the cached tip so `unstable` shows at once. */
async function recordSourceState(deps: Pick<Deps, 'sql' | 'cache'>, source: string, error: string | null): Promise<void> {
  const failing = error !== null;
  const rows = await deps.sql.query(
    `INSERT INTO headers_source_state AS s (id, source, last_ok_at, last_error_at, last_error, failing)
     VALUES (1, $1, CASE WHEN $2 THEN NULL ELSE now() END, CASE WHEN $2 THEN now() END, $3, $2)
     ON CONFLICT (id) DO UPDATE SET
       source = EXCLUDED.source,
       last_ok_at = CASE WHEN $2 THEN s.last_ok_at ELSE now() END,
       last_error_at = CASE WHEN $2 THEN now() ELSE s.last_error_at END,
       last_error = CASE WHEN $2 THEN $3 ELSE s.last_error END,
       failing = $2
     RETURNING (SELECT failing FROM headers_source_state WHERE id = 1) AS was_failing`,
    [source, failing, error === null ? null : error.slice(0, 500)],
  );
  const was = rows[0]?.was_failing;
  if (was === null || was === undefined ? failing : was !== failing) {
    await deps.cache.invalidate({ keys: [cacheKeys.headersTip()] });
  }
}
