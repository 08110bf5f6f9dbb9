/**
 * Identity-signed requests, scheme v2 (docs/identity-signing.md). Headers `X-Identity-Key`
 * (compressed secp256k1 public key hex), `X-Timestamp` (Unix seconds), `X-Nonce`, `X-Signature`
 * (DER hex, or 64-byte compact r‖s hex) over sha256 of the UTF-8 message
 *
 *   strata-identity-v2\n<METHOD>\n<path with query>\n<timestamp>\n<nonce>\n<body>
 *
 * so a signature is bound to one method, one path, one body and a short window of time. The
 * single use of each nonce is enforced in PostgreSQL (identity/nonces.ts), not here.
 */
import { BigNumber, PublicKey, Signature } from '@bsv/sdk';

const IDENTITY_KEY = /^0[23][0-9a-fA-F]{64}$/;
// base64/base64url/hex/uuid all fit; nothing that could confuse a log line
const NONCE = /^[A-Za-z0-9+/=_.:-]{8,128}$/;
const SIGNATURE = /^[0-9a-fA-F]{128,146}$/;
// decimal Unix seconds, no sign, no leading zeros (one spelling per instant)
const TIMESTAMP = /^(?:0|[1-9][0-9]{0,11})$/;
/** The first line of every signed message: names the scheme, so a v2 signature is never valid as anything else. */
export const IDENTITY_SCHEME = 'strata-identity-v2';
/** secp256k1's field prime p. */
const FIELD_PRIME = 2n ** 256n - 2n ** 32n - 977n;

/** The seed's 401 hints, one per failure. */
export type IdentityFailure =
  | 'missing/invalid X-Identity-Key'
  | 'missing/invalid X-Nonce'
  | 'missing/invalid X-Signature'
  | 'missing/invalid X-Timestamp'
  | 'timestamp-outside-window'
  | 'signature-invalid';

export type IdentityResult =
  | { ok: true; identityKey: string; nonce: string; /** X-Timestamp, Unix seconds */ timestamp: number }
  | { ok: false; reason: IdentityFailure };

/** What a signature covers besides the headers. */
export interface SignedRequestParts {
  /** HTTP method; upper-cased before signing. */
  method: string;
  /** The request target as sent: path plus `?query` when there is one (no scheme, no host). */
  path: string;
  /** The exact request body text; '' when there is none. */
  body: string;
}

export interface IdentityInput extends SignedRequestParts {
  identityKey: string | null | undefined;
  nonce: string | null | undefined;
  signature: string | null | undefined;
  timestamp: string | null | undefined;
  /** The server's time, ms since the epoch. */
  nowMs: number;
  /** Accepted distance between X-Timestamp and the server's time, seconds, either way. */
  windowSec: number;
}

/** The exact message a v2 signature covers (its UTF-8 bytes are hashed once with SHA-256). */
export function identityMessage(p: SignedRequestParts & { timestamp: string | number; nonce: string }): string {
  return `${IDENTITY_SCHEME}\n${p.method.toUpperCase()}\n${p.path}\n${p.timestamp}\n${p.nonce}\n${p.body}`;
}

/** True when `t` is an X-Timestamp value (decimal Unix seconds, one spelling). */
export function isValidTimestamp(t: unknown): t is string {
  return typeof t === 'string' && TIMESTAMP.test(t);
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

/**
 * Verifies the four identity headers against the request; never throws. Cheap checks first,
 * the timestamp window before the signature (a stale capture costs no curve arithmetic).
 */
export function verifyIdentity(input: IdentityInput): IdentityResult {
  const { identityKey, nonce, signature, timestamp } = input;
  if (typeof identityKey !== 'string' || !IDENTITY_KEY.test(identityKey)) {
    return { ok: false, reason: 'missing/invalid X-Identity-Key' };
  }
  if (!isValidNonce(nonce)) return { ok: false, reason: 'missing/invalid X-Nonce' };
  if (typeof signature !== 'string' || !SIGNATURE.test(signature) || signature.length % 2 !== 0) {
    return { ok: false, reason: 'missing/invalid X-Signature' };
  }
  if (!isValidTimestamp(timestamp)) return { ok: false, reason: 'missing/invalid X-Timestamp' };
  const ts = Number(timestamp);
  if (Math.abs(input.nowMs / 1000 - ts) > input.windowSec) return { ok: false, reason: 'timestamp-outside-window' };
  // PublicKey.verify hashes the message once with SHA-256
  const message = identityMessage({ method: input.method, path: input.path, body: input.body, timestamp, nonce });
  switch (verifyMessageSignature(identityKey, message, signature)) {
    case 'ok':
      return { ok: true, identityKey: identityKey.toLowerCase(), nonce, timestamp: ts };
    case 'invalid-encoding':
      return { ok: false, reason: 'missing/invalid X-Signature' };
    case 'invalid-key':
      // a 66-hex string that is not a point on the curve
      return { ok: false, reason: 'missing/invalid X-Identity-Key' };
    case 'signature-invalid':
      return { ok: false, reason: 'signature-invalid' };
  }
}
