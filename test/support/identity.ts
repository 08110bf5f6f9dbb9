/**
 * Signs a request body the way an identity-signed client does: secp256k1 over
 * sha256(body + nonce), DER hex.
 */
import { PrivateKey } from '@bsv/sdk';

export interface SignedHeaders {
  readonly identityKey: string;
  readonly nonce: string;
  readonly signature: string;
}

let seq = 0;

/** Header values for `body` signed by `privKey`; a fresh nonce unless one is given. */
export function signRequest(privKey: PrivateKey, body: string, nonce = `n-${Date.now().toString(36)}-${(seq++).toString(36)}`): SignedHeaders {
  const signature = privKey.sign(body + nonce, 'utf8').toDER('hex') as string;
  return { identityKey: privKey.toPublicKey().toString(), nonce, signature };
}

/** The same as HTTP headers. */
export function identityHeaders(privKey: PrivateKey, body: string, nonce?: string): Record<string, string> {
  const h = signRequest(privKey, body, nonce);
  return { 'X-Identity-Key': h.identityKey, 'X-Nonce': h.nonce, 'X-Signature': h.signature };
}
