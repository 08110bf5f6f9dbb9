/**
 * Broadcaster — the port a payment leaves through. Two adapters: `dryrun` (accepts every
 * well-formed transaction and sends it nowhere: the embedded default) and ARC (bitcoin-sv/arc's
 * HTTP API: POST /v1/tx, GET /v1/tx/{txid}). Results are values, not exceptions: a broadcaster
 * either accepted the tx, definitely refused it (ARC's 46x and error statuses), or could not be
 * asked — and the caller treats those three differently (keep, release or retry the claim).
 */
import type { Config } from '../config/index';

export type BroadcastResult =
  | { readonly ok: true; readonly txStatus: string }
  | { readonly ok: false; readonly kind: 'rejected'; readonly status: number; readonly code: string; readonly detail: string }
  | { readonly ok: false; readonly kind: 'unavailable'; readonly detail: string };

/** What a broadcaster knows about a transaction (ARC's GET /v1/tx/{txid}). */
export interface TxStatus {
  readonly txid: string;
  readonly txStatus: string;
  /** BRC-74 BUMP hex once mined. */
  readonly merklePath: string | null;
  readonly blockHash: string | null;
  readonly blockHeight: number | null;
}

export interface Broadcaster {
  readonly kind: 'dryrun' | 'arc';
  /** Sends the transaction (`hex`: raw, EF or BEEF as submitted). */
  broadcast(tx: { txid: string; hex: string }): Promise<BroadcastResult>;
  /** The broadcaster's view of `txid`; null when it does not know it; throws when unreachable. */
  status(txid: string): Promise<TxStatus | null>;
}

/** Accepts everything and sends nothing; it knows no statuses (proofs arrive by POST). */
export const dryrunBroadcaster: Broadcaster = {
  kind: 'dryrun',
  async broadcast() {
    return { ok: true, txStatus: 'DRYRUN' };
  },
  async status() {
    return null;
  },
};

/** ARC's 46x statuses (its API reference), as codes a client can act on. */
export const ARC_ERRORS: Readonly<Record<number, { code: string; detail: string }>> = {
  460: { code: 'not-extended-format', detail: 'ARC needs the transaction in Extended Format or BEEF (the source outputs of its inputs).' },
  461: { code: 'invalid-unlocking-scripts', detail: 'An unlocking script does not unlock the output it spends.' },
  462: { code: 'invalid-inputs', detail: 'An input spends an output that does not exist or is already spent.' },
  463: { code: 'malformed-transaction', detail: 'The transaction is malformed.' },
  464: { code: 'invalid-outputs', detail: 'An output is invalid (for example below the dust limit).' },
  465: { code: 'fee-too-low', detail: 'The fee is below what ARC requires.' },
  466: { code: 'conflicting-transaction', detail: 'Another transaction already spends one of these inputs.' },
  467: { code: 'mined-ancestors-not-found', detail: 'The BEEF lacks a mined ancestor of the transaction.' },
  468: { code: 'invalid-bumps', detail: 'A BUMP in the BEEF is invalid.' },
  469: { code: 'invalid-merkle-roots', detail: 'A merkle root in the BEEF is not on the chain ARC knows.' },
};

/** ARC answers these with HTTP 200, but the transaction did not get through. */
const FAILED_STATUSES = new Set(['REJECTED', 'DOUBLE_SPEND_ATTEMPTED', 'INVALID', 'MALFORMED', 'MINED_IN_STALE_BLOCK', 'SEEN_IN_ORPHAN_MEMPOOL']);

export interface ArcOptions {
  readonly url: string;
  readonly apiKey?: string;
  readonly callbackUrl?: string;
  readonly callbackToken?: string;
  readonly waitFor: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

const HEX64 = /^[0-9a-f]{64}$/;

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The ARC adapter. */
export function createArcBroadcaster(o: ArcOptions): Broadcaster {
  const base = o.url.replace(/\/+$/, '');
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const auth: Record<string, string> = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};

  async function call(path: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> | null } | { error: string }> {
    try {
      const res = await doFetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(o.timeoutMs) });
      const text = await res.text();
      let body: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        body = null;
      }
      return { status: res.status, body };
    } catch (e) {
      return { error: (e as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable' };
    }
  }

  return {
    kind: 'arc',
    async broadcast(tx) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-waitfor': o.waitFor, ...auth };
      if (o.callbackUrl) headers['x-callbackurl'] = o.callbackUrl;
      if (o.callbackToken) headers['x-callbacktoken'] = o.callbackToken;
      const r = await call('/v1/tx', { method: 'POST', headers, body: JSON.stringify({ rawTx: tx.hex }) });
      if ('error' in r) return { ok: false, kind: 'unavailable', detail: `ARC ${r.error}` };
      const detail = str(r.body?.detail) ?? str(r.body?.title) ?? `HTTP ${r.status}`;
      if (r.status === 200 || r.status === 201) {
        const txStatus = str(r.body?.txStatus) ?? 'UNKNOWN';
        if (FAILED_STATUSES.has(txStatus.toUpperCase())) {
          return { ok: false, kind: 'rejected', status: r.status, code: txStatus.toLowerCase().replace(/_/g, '-'), detail: str(r.body?.extraInfo) ?? txStatus };
        }
        return { ok: true, txStatus };
      }
      const known = ARC_ERRORS[r.status];
      if (known) return { ok: false, kind: 'rejected', status: r.status, code: known.code, detail: `${known.detail} (ARC: ${detail})` };
      if (r.status === 400 || r.status === 409 || r.status === 422) {
        return { ok: false, kind: 'rejected', status: r.status, code: 'invalid-transaction', detail: `ARC refused the transaction (${detail}).` };
      }
      // 401/403 (our key), 404, 5xx: nothing is known about the transaction
      return { ok: false, kind: 'unavailable', detail: `ARC answered HTTP ${r.status}` };
    },
    async status(txid) {
      const r = await call(`/v1/tx/${txid}`, { method: 'GET', headers: { ...auth } });
      if ('error' in r) throw new Error(`ARC ${r.error}`);
      if (r.status === 404) return null;
      if (r.status !== 200 || r.body === null) throw new Error(`ARC answered HTTP ${r.status}`);
      return parseTxStatus(r.body, txid);
    },
  };
}

/** Reads ARC's transaction status object (GET /v1/tx/{txid} and callbacks share it). */
export function parseTxStatus(body: Record<string, unknown>, expectTxid?: string): TxStatus | null {
  const txid = str(body.txid)?.toLowerCase() ?? null;
  if (txid === null || !HEX64.test(txid) || (expectTxid !== undefined && txid !== expectTxid)) return null;
  const blockHash = str(body.blockHash)?.toLowerCase() ?? null;
  const height = typeof body.blockHeight === 'number' && Number.isSafeInteger(body.blockHeight) && body.blockHeight > 0 ? body.blockHeight : null;
  const merklePath = str(body.merklePath);
  return {
    txid,
    txStatus: str(body.txStatus) ?? 'UNKNOWN',
    merklePath: merklePath !== null && /^(?:[0-9a-fA-F]{2})+$/.test(merklePath) ? merklePath.toLowerCase() : null,
    blockHash: blockHash !== null && HEX64.test(blockHash) ? blockHash : null,
    blockHeight: height,
  };
}

/** The broadcaster configuration selects (BROADCAST_MODE, else arc when ARC_URL is set). */
export function createBroadcaster(config: Config, o: { fetch?: typeof fetch } = {}): Broadcaster {
  const mode = config.BROADCAST_MODE ?? (config.ARC_URL ? 'arc' : 'dryrun');
  if (mode === 'dryrun' || !config.ARC_URL) return dryrunBroadcaster;
  const callbackUrl = config.ARC_CALLBACK_URL ?? (config.PUBLIC_BASE_URL ? `${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/payments/arc-callback` : undefined);
  return createArcBroadcaster({
    url: config.ARC_URL,
    ...(config.ARC_API_KEY ? { apiKey: config.ARC_API_KEY.reveal() } : {}),
    ...(callbackUrl ? { callbackUrl } : {}),
    ...(config.ARC_CALLBACK_TOKEN ? { callbackToken: config.ARC_CALLBACK_TOKEN.reveal() } : {}),
    waitFor: config.ARC_WAIT_FOR,
    timeoutMs: config.ARC_TIMEOUT_MS,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
}
