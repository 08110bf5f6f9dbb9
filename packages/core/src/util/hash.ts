/**
 * The hashes core uses. SHA-256 is node:crypto's synchronous `createHash`: native on Node and
 * Lambda, and on Workers with `nodejs_compat` (the Worker's setting). It is also the fastest of
 * the three options measured for small inputs (docs/adr/0015), and synchronous callers need no
 * `await`. WebCrypto stays only where the input can be megabytes and the caller is already
 * asynchronous (spv/bytes.ts `sha256dDisplayAsync`).
 */
import { createHash } from 'node:crypto';

/** SHA-256 of a string (UTF-8) or of bytes, as lower-case hex. */
export function sha256Hex(input: string | Uint8Array): string {
  const h = createHash('sha256');
  if (typeof input === 'string') h.update(input, 'utf8');
  else h.update(input);
  return h.digest('hex');
}

/**
 * 64-bit FNV-1a (two 32-bit lanes) of a string's UTF-16 code units, plus its length, as hex: a
 * content tag for weak ETags, which need no cryptographic hash, and synchronous everywhere.
 */
export function fnv64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0') + text.length.toString(16);
}
