import { PrivateKey } from '@bsv/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityMessage, isValidNonce, isValidTimestamp, verifyIdentity, verifyMessageSignature, type IdentityInput } from '@strata/core/identity/verify';
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

describe('identity signatures: the message, the header checks and their order', () => {
  it('signs exactly the documented v2 message, with the method upper-cased', () => {
    expect(identityMessage({ method: 'post', path: '/a?b=1', timestamp: 1_800_000_000, nonce: 'nonce-123', body: '{"x":1}' })).toBe(
      'strata-identity-v2\nPOST\n/a?b=1\n1800000000\nnonce-123\n{"x":1}',
    );
  });

  it('accepts only strings as nonces and timestamps', () => {
    expect(isValidNonce(12_345_678_901)).toBe(false);
    expect(isValidTimestamp(1_800_000_000)).toBe(false);
    expect(isValidNonce('nonce-123')).toBe(true);
    expect(isValidTimestamp('1800000000')).toBe(true);
    // an absent header is not the string "undefined" (nine characters of the nonce charset)
    expect(check({ ...sig(alice), nonce: undefined })).toEqual({ ok: false, reason: 'missing/invalid X-Nonce' });
  });

  it('a signature that is hex of the right length but not DER is a bad X-Signature, not a bad key', () => {
    const h = sig(alice);
    expect(check({ ...h, signature: '30'.repeat(70) })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' });
    expect(check({ ...h, signature: 'ab'.repeat(70) })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' });
  });

  it('names the first malformed header in order key, nonce, signature, timestamp, before any window or curve check', () => {
    const h = sig(alice, REQ, { timestamp: NOW - 86_400 }); // stale as well
    const badKey = `04${'a'.repeat(64)}`;
    expect(check({ ...h, identityKey: badKey, nonce: 'short' })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    expect(check({ ...h, identityKey: badKey })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    expect(check({ ...h, identityKey: undefined, nonce: 'short' })).toEqual({ ok: false, reason: 'missing/invalid X-Identity-Key' });
    expect(check({ ...h, nonce: 'short', signature: 'xyz' })).toEqual({ ok: false, reason: 'missing/invalid X-Nonce' });
    expect(check({ ...h, signature: 'zz'.repeat(70) })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' });
    expect(check({ ...h, signature: `${'ab'.repeat(64)}a` })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' }); // odd length
    expect(check({ ...h, signature: undefined, timestamp: 'x' })).toEqual({ ok: false, reason: 'missing/invalid X-Signature' });
    expect(check({ ...h, timestamp: '01' })).toEqual({ ok: false, reason: 'missing/invalid X-Timestamp' });
    // a well-formed but undecodable signature is only parsed after the window: a stale capture costs no parsing
    expect(check({ ...h, signature: 'ab'.repeat(70) })).toEqual({ ok: false, reason: 'timestamp-outside-window' });
    expect(check(h)).toEqual({ ok: false, reason: 'timestamp-outside-window' });
  });

  it('verifyMessageSignature (manifest signatures) names what is wrong and never throws', () => {
    const key = alice.toPublicKey().toString();
    const der = alice.sign('v1', 'utf8').toDER('hex') as string;
    expect(verifyMessageSignature(key, 'v1', der)).toBe('ok');
    expect(verifyMessageSignature(key, 'v2', der)).toBe('signature-invalid');
    expect(verifyMessageSignature(bob.toPublicKey().toString(), 'v1', der)).toBe('signature-invalid');
    expect(verifyMessageSignature(key, 'v1', 'zz'.repeat(70))).toBe('invalid-encoding');
    expect(verifyMessageSignature(key, 'v1', `${der}0`)).toBe('invalid-encoding');
    expect(verifyMessageSignature(key, 'v1', 'ab'.repeat(70))).toBe('invalid-encoding');
    expect(verifyMessageSignature(key, 'v1', der.slice(0, 100))).toBe('invalid-encoding');
    expect(verifyMessageSignature(`04${key.slice(2)}`, 'v1', der)).toBe('invalid-key');
    expect(verifyMessageSignature(`02${'ff'.repeat(32)}`, 'v1', der)).toBe('invalid-key');
    expect(verifyMessageSignature(`02${'00'.repeat(31)}05`, 'v1', der)).toBe('invalid-key');
  });

  it('signs and verifies a body outside ASCII as its UTF-8 bytes', () => {
    const req = { method: 'POST', path: '/producers/register', body: JSON.stringify({ name: 'Zürich ✓ データ' }) };
    const h = signRequest(alice, req, { timestamp: NOW });
    expect(check({ ...h, ...req }).ok).toBe(true);
    expect(check({ ...h, ...req, body: req.body.replace('ü', 'u') })).toEqual({ ok: false, reason: 'signature-invalid' });
  });
});
