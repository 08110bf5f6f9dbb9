/**
 * A `Requester` for @upstash/redis built on a caller-supplied `fetch` (the SDK's own HTTP client
 * always uses the global one). It speaks the same wire protocol: POST JSON command arrays,
 * bearer token, `Upstash-Encoding: base64`, and it never retries.
 */
import type { Requester, UpstashRequest, UpstashResponse } from '@upstash/redis';

export interface FetchRequesterOptions {
  readonly url: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

const utf8 = new TextDecoder();

/** Decodes one base64 string to UTF-8; the status reply "OK" is the one string sent unencoded. */
function decodeString(s: string): string {
  if (s === 'OK') return s;
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    return s; // a server that ignored the encoding header; same fallback as the SDK
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return utf8.decode(bytes);
}

/** Walks a result of any depth; numbers and null pass through untouched. */
function decode(v: unknown): unknown {
  if (typeof v === 'string') return decodeString(v);
  if (Array.isArray(v)) return v.map(decode);
  return v;
}

interface Entry {
  result?: unknown;
  error?: string;
}

/** Builds a Requester that sends every request through `opts.fetch` with a per-request timeout. */
export function createFetchRequester(opts: FetchRequesterOptions): Requester {
  const base = opts.url.replace(/\/$/, '');
  return {
    readYourWrites: false,
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const res = await opts.fetch([base, ...(req.path ?? [])].join('/'), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${opts.token}`,
          'content-type': 'application/json',
          'upstash-encoding': 'base64',
        },
        body: JSON.stringify(req.body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const text = await res.text();
      let body: Entry | Entry[];
      try {
        body = JSON.parse(text) as Entry | Entry[];
      } catch {
        throw new Error(`Upstash answered HTTP ${res.status} with a non-JSON body`);
      }
      if (!res.ok) {
        const error = Array.isArray(body) ? undefined : body.error;
        // Same text shape as the SDK's UpstashError, so one error mapper serves both clients.
        throw new Error(`${error ?? `HTTP ${res.status}`}, command was: ${JSON.stringify(req.body)}`);
      }
      if (Array.isArray(body)) {
        return body.map((e) => ({ result: decode(e.result), error: e.error })) as unknown as UpstashResponse<TResult>;
      }
      return { result: decode(body.result) as TResult, error: body.error };
    },
  };
}
