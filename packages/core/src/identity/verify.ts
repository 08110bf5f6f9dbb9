/**
 * Identity-signed requests (D19): `X-Identity-Key` (compressed secp256k1 public key hex),
 * `X-Nonce`, `X-Signature` (DER hex, or 64-byte compact r‖s hex) over
 * sha256(utf8(body + nonce)), where `body` is the exact request body text ('' when empty).
 * Nonces are single-use: `claimNonce` sets `nonce:<identityKey>:<nonce>` with NX and a TTL.
 */
import { BigNumber, PublicKey, Signature } from '@bsv/sdk';
import { StrataError } from '../errors';
import type { Kv } from '../ports/kv';

const IDENTITY_KEY = /^0[23][0-9a-fA-F]{64}$/;
// base64/base64url/hex/uuid all fit; nothing that could confuse a Kv key or a log line
const NONCE = /^[A-Za-z0-9+/=_.:-]{8,128}$/;
const SIGNATURE = /^[0-9a-fA-F]{128,146}$/;
/** secp256k1's field prime p. */
const FIELD_PRIME = 2n ** 256n - 2n ** 32n - 977n;

/** The seed's 401 hints, one per failure. */
export type IdentityFailure =
  | 'missing/invalid X-Identity-Key'
  | 'missing/invalid X-Nonce'
  | 'missing/invalid X-Signature'
  | 'signature-invalid';

export type IdentityResult = { ok: true; identityKey: string } | { ok: false; reason: IdentityFailure };

export interface IdentityInput {
  identityKey: string | null | undefined;
  nonce: string | null | undefined;
  signature: string | null | undefined;
  /** The exact request body text; '' when there is none. */
  body: string;
}

/** True when the nonce has the accepted charset and length (8..128). */
export function isValidNonce(nonce: unknown): nonce is string {
  return typeof nonce === 'string' && NONCE.test(nonce);
}

function parseSignature(hex: string): Signature | null {
  try {
    if (hex.length === 128) {
      return new Signature(new BigNumber(hex.slice(0, 64), 16), new BigNumber(hex.slice(64), 16));
    }
    return Signature.fromDER(hex, 'hex');
  } catch {
    return null;
  }
}

/** Outcome of checking one signature over a message (see verifyMessageSignature). */
export type MessageSignatureCheck = 'ok' | 'invalid-key' | 'invalid-encoding' | 'signature-invalid';

/**
 * Verifies `signatureHex` (DER, or 64-byte compact r‖s) by the compressed secp256k1 key
 * `publicKeyHex` over sha256(utf8(message)) — the same scheme as identity-signed requests.
 * Never throws.
 */
export function verifyMessageSignature(publicKeyHex: string, message: string, signatureHex: string): MessageSignatureCheck {
  // x must be below the field prime: @bsv/sdk reduces larger values, which would give one key a second spelling
  if (!IDENTITY_KEY.test(publicKeyHex) || BigInt(`0x${publicKeyHex.slice(2)}`) >= FIELD_PRIME) return 'invalid-key';
  if (!SIGNATURE.test(signatureHex) || signatureHex.length % 2 !== 0) return 'invalid-encoding';
  const sig = parseSignature(signatureHex);
  if (!sig) return 'invalid-encoding';
  try {
    const key = PublicKey.fromString(publicKeyHex);
    if (!key.validate()) return 'invalid-key';
    return key.verify(message, sig, 'utf8') ? 'ok' : 'signature-invalid';
  } catch {
    return 'invalid-key';
  }
}

/** Verifies the three identity headers against the body; never throws. */
export function verifyIdentity(input: IdentityInput): IdentityResult {
  const { identityKey, nonce, signature, body } = input;
  if (typeof identityKey !== 'string' || !IDENTITY_KEY.test(identityKey)) {
    return { ok: false, reason: 'missing/invalid X-Identity-Key' };
  }
  if (!isValidNonce(nonce)) return { ok: false, reason: 'missing/invalid X-Nonce' };
  if (typeof signature !== 'string' || !SIGNATURE.test(signature) || signature.length % 2 !== 0) {
    return { ok: false, reason: 'missing/invalid X-Signature' };
  }
  // PublicKey.verify hashes the message once with SHA-256: the digest is sha256(body + nonce)
  switch (verifyMessageSignature(identityKey, body + nonce, signature)) {
    case 'ok':
      return { ok: true, identityKey: identityKey.toLowerCase() };
    case 'invalid-encoding':
      return { ok: false, reason: 'missing/invalid X-Signature' };
    case 'invalid-key':
      // a 66-hex string that is not a point on the curve
      return { ok: false, reason: 'missing/invalid X-Identity-Key' };
    case 'signature-invalid':
      return { ok: false, reason: 'signature-invalid' };
  }
}

/** Kv key that makes a nonce single-use per identity key (inputs must be validated first). */
export function nonceKey(identityKey: string, nonce: string): string {
  if (!IDENTITY_KEY.test(identityKey) || !isValidNonce(nonce)) throw new StrataError('bad-request', 'Invalid identity key or nonce.', { hint: 'missing/invalid X-Nonce' });
  return `nonce:${identityKey.toLowerCase()}:${nonce}`;
}

/** Claims a nonce for `ttlSec`; false when it was already used (a replay). */
export async function claimNonce(kv: Kv, identityKey: string, nonce: string, ttlSec: number): Promise<boolean> {
  return kv.set(nonceKey(identityKey, nonce), '1', { nx: true, px: Math.max(1, Math.round(ttlSec * 1000)) });
}
