/**
 * Signs requests the way an identity-signed client does (scheme v2, docs/identity-signing.md):
 * secp256k1 over sha256("strata-identity-v2\n<METHOD>\n<path?query>\n<timestamp>\n<nonce>\n<body>"),
 * DER hex. Typical use with the catalog `call` helper:
 *
 *   call(stack, 'POST', '/producers/register', signedRequest(key, 'POST', '/producers/register', { name: 'Acme' }))
 *   call(stack, 'POST', path, { body, signer: key })   // the same, signed inside `call`
 */
import { PrivateKey } from '@bsv/sdk';
import { identityMessage } from '@strata/core/identity/verify';

export interface SignedHeaders {
  readonly identityKey: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

export interface SignOptions {
  /** Default: a fresh nonce per call. */
  readonly nonce?: string;
  /** Unix seconds; default: now. */
  readonly timestamp?: number;
}

let seq = 0;
const freshNonce = () => `n-${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** The four header values for one request signed by `privKey`. `body` is the exact body text ('' for none). */
export function signRequest(privKey: PrivateKey, req: { method: string; path: string; body?: string }, o: SignOptions = {}): SignedHeaders {
  const nonce = o.nonce ?? freshNonce();
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const message = identityMessage({ method: req.method, path: req.path, body: req.body ?? '', timestamp, nonce });
  const signature = privKey.sign(message, 'utf8').toDER('hex') as string;
  return { identityKey: privKey.toPublicKey().toString(), timestamp, nonce, signature };
}

/** The same as HTTP headers. */
export function identityHeaders(privKey: PrivateKey, method: string, path: string, body = '', o: SignOptions = {}): Record<string, string> {
  const h = signRequest(privKey, { method, path, body }, o);
  return { 'X-Identity-Key': h.identityKey, 'X-Timestamp': h.timestamp, 'X-Nonce': h.nonce, 'X-Signature': h.signature };
}

/**
 * `{ raw, headers }` for a signed request: `body` is sent as given when a string, as JSON
 * otherwise (undefined → no body). Spread it into `call`'s options.
 */
export function signedRequest(privKey: PrivateKey, method: string, path: string, body?: unknown, o: SignOptions = {}): { raw?: string; headers: Record<string, string> } {
  const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return { ...(raw === undefined ? {} : { raw }), headers: identityHeaders(privKey, method, path, raw ?? '', o) };
}
