import { PrivateKey } from '@bsv/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '../../packages/core/src/adapters/kv/memory';
import { claimNonce, nonceKey, verifyIdentity } from '../../packages/core/src/identity/verify';
import { signRequest } from '../support/identity';

const alice = PrivateKey.fromRandom();
const bob = PrivateKey.fromRandom();
const body = JSON.stringify({ name: 'Alice Data', website: 'https://alice.example' });

describe('identity signatures', () => {
  it('accepts a good DER signature and returns the lower-cased key', () => {
    const h = signRequest(alice, body);
    const r = verifyIdentity({ ...h, identityKey: h.identityKey.toUpperCase(), body });
    expect(r).toEqual({ ok: true, identityKey: h.identityKey });
  });

  it('accepts a 64-byte compact r||s signature', () => {
    const nonce = 'compact-nonce-1';
    const sig = alice.sign(body + nonce, 'utf8');
    const compact = sig.r.toHex(32) + sig.s.toHex(32);
    expect(verifyIdentity({ identityKey: alice.toPublicKey().toString(), nonce, signature: compact, body })).toMatchObject({ ok: true });
  });

  it('signs the empty body too', () => {
    const h = signRequest(alice, '');
    expect(verifyIdentity({ ...h, body: '' }).ok).toBe(true);
  });

  it('rejects a tampered body, another nonce, the wrong key and a bad signature', () => {
    const h = signRequest(alice, body);
    expect(verifyIdentity({ ...h, body: body.replace('Alice', 'Eve') })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(verifyIdentity({ ...h, nonce: `${h.nonce}x`, body })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(verifyIdentity({ ...h, identityKey: bob.toPublicKey().toString(), body })).toEqual({ ok: false, reason: 'signature-invalid' });
    const flipped = h.signature.slice(0, -2) + (h.signature.endsWith('00') ? '01' : '00');
    expect(verifyIdentity({ ...h, signature: flipped, body }).ok).toBe(false);
  });

  it('names the malformed header', () => {
    const h = signRequest(alice, body);
    expect(verifyIdentity({ ...h, identityKey: undefined, body })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    // a well-formed string that is not a curve point
    expect(verifyIdentity({ ...h, identityKey: '02' + '00'.repeat(31) + '05', body })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    // x at or above the field prime: a second spelling of a key the library would silently reduce
    expect(verifyIdentity({ ...h, identityKey: '02' + 'ff'.repeat(32), body })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    expect(verifyIdentity({ ...h, nonce: 'short', body })).toEqual({ ok: false, reason: 'missing/invalid X-Nonce' });
    expect(verifyIdentity({ ...h, nonce: 'has space in it', body })).toEqual({ ok: false, reason: 'missing/invalid X-Nonce' });
    expect(verifyIdentity({ ...h, signature: 'xyz', body })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' });
    expect(verifyIdentity({ ...h, signature: '30'.repeat(70), body }).ok).toBe(false);
  });

  it('never throws on arbitrary header values', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), fc.option(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{128,146}$/))), fc.string(), (k, n, s, b) => {
        const r = verifyIdentity({ identityKey: k, nonce: n, signature: s, body: b });
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('nonces', () => {
  it('are single-use per identity key until they expire', async () => {
    const kv = createMemoryKv();
    const key = alice.toPublicKey().toString();
    expect(nonceKey(key, 'nonce-0001')).toBe(`nonce:${key}:nonce-0001`);
    expect(await claimNonce(kv, key, 'nonce-0001', 120)).toBe(true);
    expect(await claimNonce(kv, key, 'nonce-0001', 120)).toBe(false);
    expect(await claimNonce(kv, bob.toPublicKey().toString(), 'nonce-0001', 120)).toBe(true);
    const [v] = await kv.mget([`nonce:${key}:nonce-0001`]);
    expect(v).toBe('1');
    await kv.close();
  });

  it('refuses to build a key from unvalidated input', () => {
    expect(() => nonceKey('zz', 'nonce-0001')).toThrow();
    expect(() => nonceKey(alice.toPublicKey().toString(), 'a:b c*')).toThrow();
  });
});
