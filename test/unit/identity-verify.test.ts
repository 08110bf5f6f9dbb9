import { PrivateKey } from '@bsv/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityMessage, verifyIdentity, type IdentityInput } from '@strata/core/identity/verify';
import { signRequest } from '../support/identity';

const alice = PrivateKey.fromRandom();
const bob = PrivateKey.fromRandom();
const body = JSON.stringify({ name: 'Alice Data', website: 'https://alice.example' });
const NOW = 1_800_000_000;
const REQ = { method: 'POST', path: '/producers/register', body };
const sig = (key: PrivateKey, req: { method: string; path: string; body?: string } = REQ, o: { nonce?: string; timestamp?: number } = {}) =>
  signRequest(key, req, { timestamp: NOW, ...o });
/** verifyIdentity with the request REQ at NOW and a 300 s window unless overridden. */
const check = (h: Partial<IdentityInput>) => verifyIdentity({ ...REQ, nowMs: NOW * 1000, windowSec: 300, identityKey: null, nonce: null, signature: null, timestamp: null, ...h });

describe('identity signatures', () => {
  it('accepts a good DER signature and returns the lower-cased key', () => {
    const h = sig(alice);
    const r = check({ ...h, identityKey: h.identityKey.toUpperCase() });
    expect(r).toEqual({ ok: true, identityKey: h.identityKey, nonce: h.nonce, timestamp: NOW });
  });

  it('accepts a 64-byte compact r||s signature', () => {
    const nonce = 'compact-nonce-1';
    const s = alice.sign(identityMessage({ ...REQ, timestamp: NOW, nonce }), 'utf8');
    const compact = s.r.toHex(32) + s.s.toHex(32);
    expect(check({ identityKey: alice.toPublicKey().toString(), nonce, signature: compact, timestamp: String(NOW) })).toMatchObject({ ok: true });
  });

  it('signs the empty body too', () => {
    const h = sig(alice, { method: 'POST', path: '/agents/ag_0123456789abcdef/ping', body: '' });
    expect(check({ ...h, method: 'POST', path: '/agents/ag_0123456789abcdef/ping', body: '' }).ok).toBe(true);
  });

  it('rejects a tampered body, another nonce, the wrong key and a bad signature', () => {
    const h = sig(alice);
    expect(check({ ...h, body: body.replace('Alice', 'Eve') })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(check({ ...h, nonce: `${h.nonce}x` })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(check({ ...h, identityKey: bob.toPublicKey().toString() })).toEqual({ ok: false, reason: 'signature-invalid' });
    const flipped = h.signature.slice(0, -2) + (h.signature.endsWith('00') ? '01' : '00');
    expect(check({ ...h, signature: flipped }).ok).toBe(false);
  });

  it('names the malformed header', () => {
    const h = sig(alice);
    expect(check({ ...h, identityKey: undefined })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    // a well-formed string that is not a curve point
    expect(check({ ...h, identityKey: '02' + '00'.repeat(31) + '05' })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    // x at or above the field prime: a second spelling of a key the library would silently reduce
    expect(check({ ...h, identityKey: '02' + 'ff'.repeat(32) })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    expect(check({ ...h, nonce: 'short' })).toEqual({ ok: false, reason: 'missing/invalid X-Nonce' });
    expect(check({ ...h, nonce: 'has space in it' })).toEqual({ ok: false, reason: 'missing/invalid X-Nonce' });
    expect(check({ ...h, signature: 'xyz' })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' });
    expect(check({ ...h, signature: '30'.repeat(70) }).ok).toBe(false);
  });

  it('binds the method, the path with its query and the timestamp', () => {
    const h = sig(alice);
    expect(check({ ...h, method: 'PUT' })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(check({ ...h, path: '/agents/register' })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(check({ ...h, path: '/producers/register?x=1' })).toEqual({ ok: false, reason: 'signature-invalid' });
    expect(check({ ...h, timestamp: String(NOW + 1) })).toEqual({ ok: false, reason: 'signature-invalid' });
    // the method is signed upper-cased whatever case the caller passes
    expect(check({ ...h, method: 'post' }).ok).toBe(true);
    // the v1 message (body + nonce) no longer verifies
    const v1 = alice.sign(body + h.nonce, 'utf8').toDER('hex') as string;
    expect(check({ ...h, signature: v1 })).toEqual({ ok: false, reason: 'signature-invalid' });
  });

  it('accepts timestamps within the window either way and refuses those outside', () => {
    for (const [offset, ok] of [[0, true], [300, true], [-300, true], [301, false], [-301, false], [-86_400, false]] as const) {
      const h = sig(alice, REQ, { timestamp: NOW + offset });
      expect(check(h).ok, `offset ${offset}`).toBe(ok);
      if (!ok) expect(check(h)).toEqual({ ok: false, reason: 'timestamp-outside-window' });
    }
    const h = sig(alice, REQ, { timestamp: NOW - 100 });
    expect(check({ ...h, windowSec: 60 })).toEqual({ ok: false, reason: 'timestamp-outside-window' });
    for (const t of ['', '-1', '1.5', '0x10', ' 1', '01', '1e9', '9'.repeat(13)]) expect(check({ ...h, timestamp: t })).toEqual({ ok: false, reason: 'missing/invalid X-Timestamp' });
  });

  it('never throws on arbitrary header values', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), fc.option(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{128,146}$/))), fc.option(fc.string()), fc.string(), (k, n, s, t, b) => {
        const r = check({ identityKey: k, nonce: n, signature: s, timestamp: t, body: b });
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
