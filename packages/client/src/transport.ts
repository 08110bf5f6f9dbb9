/**
 * One request on the wire: credentials (bearer token, identity signature), a time limit, and
 * retries with backoff — only for idempotent requests. Each attempt is signed afresh (a new
 * nonce), since most routes claim the nonce before their write.
 */
import { freshNonce, identityHeaders, toPrivateKey, type IdentityKeyInput } from './signing';
import { StrataNetworkError } from './problem';
import type { PrivateKey } from '@bsv/sdk';

/** What the client sends requests through: `globalThis.fetch`, or e.g. `(r) => app.request(r)`. */
export type FetchLike = (request: Request) => Promise<Response>;

export interface RetryOptions {
  /** Further attempts after the first (default 2). */
  readonly retries?: number;
  /** First backoff delay; doubles per attempt, with full jitter (default 200 ms). */
  readonly baseDelayMs?: number;
  /** Cap of one delay, also of a `Retry-After` that is honoured (default 5000 ms). */
  readonly maxDelayMs?: number;
  /** Statuses retried (default 429, 502, 503, 504). */
  readonly statuses?: readonly number[];
}

export interface TransportOptions {
  readonly fetch?: FetchLike;
  readonly adminToken?: string;
  readonly ingestToken?: string;
  readonly arcCallbackToken?: string;
  readonly identityKey?: IdentityKeyInput;
  /** Time to the response headers, per attempt (default 30 000 ms; 0: none). */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** The clock identity timestamps are taken from (ms; default Date.now). */
  readonly now?: () => number;
  /** Headers sent with every request. */
  readonly headers?: Record<string, string>;
  /** Called before each retry (e.g. to say so on a terminal). */
  readonly onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  readonly method: string;
  readonly url: string;
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  readonly delayMs: number;
  /** `status 503`, `timeout`, or the network error's message. */
  readonly reason: string;
}

export type Bearer = 'admin' | 'ingest' | 'arc';

/** How one request is sent. */
export interface SendMeta {
  /** May be sent again after a refused connection, a reset, a timeout or a retryable status. */
  readonly idempotent: boolean;
  readonly bearer?: Bearer | undefined;
  /** `required` fails without a key; `optional` signs when the client has a key. */
  readonly identity?: 'required' | 'optional' | undefined;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called after each failed attempt that is retried (besides the client's `onRetry`). */
  readonly onRetry?: ((info: RetryInfo) => void) | undefined;
}

export interface WireRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: HeadersInit;
  /** Text (signed as is) or bytes; a function is called once per attempt. */
  readonly body?: string | Uint8Array | (() => BodyInit) | undefined;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
export const isIdempotentMethod = (m: string): boolean => IDEMPOTENT_METHODS.has(m.toUpperCase());

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

export class Transport {
  readonly #fetch: FetchLike;
  readonly #key: PrivateKey | undefined;
  readonly #o: TransportOptions;

  constructor(o: TransportOptions = {}) {
    this.#o = o;
    this.#fetch = o.fetch ?? ((r) => globalThis.fetch(r));
    this.#key = o.identityKey === undefined ? undefined : toPrivateKey(o.identityKey);
  }

  /** The signing key's public key (compressed, hex), when the client has one. */
  get identityPublicKey(): string | undefined {
    return this.#key?.toPublicKey().toString();
  }

  get privateKey(): PrivateKey | undefined {
    return this.#key;
  }

  /** Sends `req`, retrying per `meta`; answers the last response (any status) or throws StrataNetworkError. */
  async send(req: WireRequest, meta: SendMeta): Promise<Response> {
    const method = req.method.toUpperCase();
    const retry = this.#o.retry ?? {};
    const retries = meta.idempotent ? Math.max(0, retry.retries ?? 2) : 0;
    const statuses = new Set(retry.statuses ?? [429, 502, 503, 504]);
    const base = retry.baseDelayMs ?? 200;
    const cap = retry.maxDelayMs ?? 5000;
    const timeoutMs = meta.timeoutMs ?? this.#o.timeoutMs ?? 30_000;
    const headers = this.#headers(req.headers, meta);
    const url = new URL(req.url);
    const bodyText = typeof req.body === 'string' ? req.body : '';
    if (meta.identity === 'required' && !this.#key) throw new TypeError(`${method} ${url.pathname} is identity-signed: give the client an identityKey`);

    for (let attempt = 1; ; attempt++) {
      const h = new Headers(headers);
      if (this.#key && meta.identity) {
        const timestamp = Math.floor((this.#o.now ?? Date.now)() / 1000);
        const signed = identityHeaders(this.#key, { method, pathWithQuery: url.pathname + url.search, body: bodyText }, { timestamp, nonce: freshNonce() });
        for (const [k, v] of Object.entries(signed)) h.set(k, v);
      }
      const ctl = new AbortController();
      const onAbort = () => ctl.abort(meta.signal?.reason);
      meta.signal?.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), ctl.abort(new Error(`timed out after ${timeoutMs} ms`))), timeoutMs) : undefined;
      const body = typeof req.body === 'function' ? req.body() : req.body;
      const init: RequestInit & { duplex?: 'half' } = { method, headers: h, signal: ctl.signal };
      if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
        init.body = body as BodyInit;
        if (body instanceof ReadableStream) init.duplex = 'half';
      }
      let res: Response | undefined;
      let failure: unknown;
      try {
        res = await this.#fetch(new Request(url, init));
      } catch (e) {
        failure = e;
      } finally {
        clearTimeout(timer);
        meta.signal?.removeEventListener('abort', onAbort);
      }
      if (meta.signal?.aborted) throw meta.signal.reason;
      const retryable = res ? statuses.has(res.status) : true;
      if (!retryable || attempt > retries) {
        if (res) return res;
        throw new StrataNetworkError(method, url.toString(), attempt, timedOut, { cause: failure });
      }
      let delay = Math.min(cap, Math.random() * base * 2 ** (attempt - 1));
      const ra = res?.headers.get('retry-after');
      if (ra && /^\d+$/.test(ra)) delay = Math.min(cap, Number(ra) * 1000);
      const reason = res ? `status ${res.status}` : timedOut ? 'timeout' : String((failure as Error)?.message ?? failure);
      await res?.body?.cancel().catch(() => undefined);
      const info = { method, url: url.toString(), attempt, delayMs: delay, reason };
      meta.onRetry?.(info);
      this.#o.onRetry?.(info);
      await sleep(delay, meta.signal);
    }
  }

  #headers(given: HeadersInit | undefined, meta: SendMeta): Headers {
    const h = new Headers(this.#o.headers);
    for (const [k, v] of new Headers(given)) h.set(k, v);
    if (!h.has('authorization') && meta.bearer) {
      const token =
        meta.bearer === 'admin' ? this.#o.adminToken : meta.bearer === 'ingest' ? (this.#o.ingestToken ?? this.#o.adminToken) : this.#o.arcCallbackToken;
      if (token) h.set('authorization', `Bearer ${token}`);
    }
    return h;
  }
}
