/**
 * HTTP helpers shared by the API suites. `call` is the wire-level tool: it sends exactly the
 * method, path, headers and body a test gives (bad input, missing or wrong credentials, headers
 * under test). Ordinary operations (`submit` here, and the helpers of the other support files)
 * go through the typed client (@strata/client, bound to the app by support/client.ts); `replyOf`
 * turns its answer into the same `Reply`.
 */
import type { PrivateKey } from '@bsv/sdk';
import type { TestStack } from './deps';
import { identityHeaders } from './identity';
import { clientOf } from './client';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/**
 * Sends one request to the stack's app; JSON bodies in and out. `ip` plays the client address;
 * `signer` identity-signs the request (scheme v2) with that key.
 */
export async function call(
  stack: Pick<TestStack, 'app'>,
  method: string,
  path: string,
  o: { body?: unknown; raw?: string; headers?: Record<string, string>; ip?: string; signer?: PrivateKey } = {},
): Promise<Reply> {
  const text = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const headers: Record<string, string> = {
    ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(o.signer ? identityHeaders(o.signer, method, path, text ?? '') : {}),
    ...o.headers,
  };
  const env = { incoming: { socket: { remoteAddress: o.ip ?? '203.0.113.7' } } };
  return replyFrom(await stack.app.request(path, { method, headers, ...(text !== undefined ? { body: text } : {}) }, env));
}

/** A Response as a Reply (JSON body parsed, '' as null, other text as is). */
export async function replyFrom(res: Response): Promise<Reply> {
  const t = await res.text();
  let body: unknown = t;
  try {
    body = t === '' ? null : JSON.parse(t);
  } catch {
    /* plain text */
  }
  return { status: res.status, headers: res.headers, body };
}

/** The typed client's `{ data | error, response }` as a Reply. */
export function replyOf(r: { data?: unknown; error?: unknown; response: Response }): Reply {
  const body = r.response.ok ? r.data : r.error;
  return { status: r.response.status, headers: r.response.headers, body: body === undefined || body === '' ? null : body };
}

/** Publishes a publication through POST /submit (the typed client). */
export async function submit(stack: Pick<TestStack, 'app'>, p: { rawTx: string; manifest: Record<string, unknown> }): Promise<Reply> {
  return replyOf(await clientOf(stack).api.POST('/submit', { body: { rawTx: p.rawTx, manifest: p.manifest as never } }));
}
