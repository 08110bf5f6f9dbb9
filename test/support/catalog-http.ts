/** Small HTTP helpers shared by the catalog API suites. */
import type { PrivateKey } from '@bsv/sdk';
import type { TestStack } from './deps';
import { identityHeaders } from './identity';

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
  const res = await stack.app.request(path, { method, headers, ...(text !== undefined ? { body: text } : {}) }, env);
  const t = await res.text();
  let body: unknown = t;
  try {
    body = t === '' ? null : JSON.parse(t);
  } catch {
    /* plain text */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Publishes a publication through POST /submit. */
export function submit(stack: Pick<TestStack, 'app'>, p: { rawTx: string; manifest: Record<string, unknown> }) {
  return call(stack, 'POST', '/submit', { body: { rawTx: p.rawTx, manifest: p.manifest } });
}
