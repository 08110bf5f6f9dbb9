/**
 * Identity signing, scheme v2 (docs/identity-signing.md): ECDSA over secp256k1 on
 * SHA-256("strata-identity-v2\n<METHOD>\n<path?query>\n<timestamp>\n<nonce>\n<body>"), DER hex,
 * sent as X-Identity-Key, X-Timestamp, X-Nonce and X-Signature.
 */
import { PrivateKey } from '@bsv/sdk';

export const IDENTITY_SCHEME = 'strata-identity-v2';

/** A private key: a `PrivateKey`, or 64 hex characters. */
export type IdentityKeyInput = PrivateKey | string;

export function toPrivateKey(k: IdentityKeyInput): PrivateKey {
  if (typeof k !== 'string') return k;
  if (!/^[0-9a-fA-F]{64}$/.test(k)) throw new TypeError('identityKey must be a PrivateKey or 64 hex characters');
  return PrivateKey.fromHex(k);
}

/** The six-line message that is signed. */
export function identityMessage(m: { method: string; pathWithQuery: string; timestamp: string; nonce: string; body: string }): string {
  return [IDENTITY_SCHEME, m.method.toUpperCase(), m.pathWithQuery, m.timestamp, m.nonce, m.body].join('\n');
}

/** A fresh nonce: 16 random bytes, hex. */
export function freshNonce(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The four identity headers for one request. `body` is the exact body text ('' for none). */
export function identityHeaders(
  key: IdentityKeyInput,
  req: { method: string; pathWithQuery: string; body: string },
  o: { timestamp?: number; nonce?: string } = {},
): Record<'x-identity-key' | 'x-timestamp' | 'x-nonce' | 'x-signature', string> {
  const k = toPrivateKey(key);
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? freshNonce();
  const signature = k.sign(identityMessage({ ...req, timestamp, nonce }), 'utf8').toDER('hex') as string;
  return { 'x-identity-key': k.toPublicKey().toString(), 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature };
}
