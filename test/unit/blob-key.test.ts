/**
 * Blob key validation (fuzzed) and the HMAC URL signer/verifier used by the fs store's route.
 */
import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hexToBase64, validateBlobKey } from '@strata/core/adapters/blob/key';
import { buildSignedBlobUrl, verifyBlobSignature } from '@strata/core/adapters/blob/signing';

const segmentChars = fc.constantFrom(...'abcXYZ019._=-'.split(''));
const safeSegment = fc
  .tuple(fc.constantFrom(...'aZ0_-'.split('')), fc.array(segmentChars, { maxLength: 12 }))
  .map(([h, t]) => h + t.join(''));
const safeKey = fc.array(safeSegment, { minLength: 1, maxLength: 6 }).map((s) => s.join('/'));

describe('validateBlobKey', () => {
  it('accepts every key built from safe segments', () => {
    fc.assert(
      fc.property(safeKey, (k) => {
        expect(validateBlobKey(k)).toBe(k);
      }),
    );
  });

  it('never accepts a key that could leave the store root', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (k) => {
        let ok = true;
        try {
          validateBlobKey(k);
        } catch {
          ok = false;
        }
        if (!ok) return;
        const resolved = path.posix.resolve('/blob-root', k);
        expect(resolved.startsWith('/blob-root/')).toBe(true);
        expect(k.split('/')).not.toContain('..');
        expect(k.startsWith('/')).toBe(false);
        expect(/[\\\0\s%]/.test(k)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses traversal built around safe parts', () => {
    fc.assert(
      fc.property(safeKey, fc.constantFrom('..', '.', '', '/x', 'a\\b', 'a b', 'é'), safeKey, (a, bad, b) => {
        expect(() => validateBlobKey(`${a}/${bad}/${b}`)).toThrow();
      }),
    );
    expect(() => validateBlobKey('x'.repeat(1025))).toThrow();
    expect(() => validateBlobKey(42)).toThrow();
  });

  it('hexToBase64 matches Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
        expect(hexToBase64(Buffer.from(b).toString('hex'))).toBe(Buffer.from(b).toString('base64'));
      }),
    );
  });
});

describe('verifyBlobSignature', () => {
  const secret = 'a-test-secret-of-enough-length';
  const sha = 'ab'.repeat(32);
  const now = Date.UTC(2026, 0, 1);
  const expires = now / 1000 + 60;

  async function signed(method: 'GET' | 'PUT', extra: { contentType?: string } = {}) {
    const url = new URL(
      await buildSignedBlobUrl('https://strata.test/base/', secret, {
        method,
        key: 'hot/abc',
        expires,
        ...(method === 'PUT' ? { sha256Hex: sha } : {}),
        ...extra,
      }),
    );
    return { url, key: url.pathname.replace('/base/blobs/', '') };
  }

  it('accepts its own URLs and returns the signed PUT constraints', async () => {
    const get = await signed('GET');
    expect(get.url.pathname).toBe('/base/blobs/hot/abc');
    expect(await verifyBlobSignature({ secret, method: 'GET', key: get.key, query: get.url.searchParams, now })).toMatchObject({ ok: true });
    const put = await signed('PUT', { contentType: 'text/csv' });
    expect(await verifyBlobSignature({ secret, method: 'PUT', key: put.key, query: put.url.searchParams, now })).toEqual({
      ok: true,
      method: 'PUT',
      key: 'hot/abc',
      expires,
      sha256Hex: sha,
      contentType: 'text/csv',
    });
  });

  it('refuses expiry, wrong method, another key, another secret and any tampered field', async () => {
    const { url, key } = await signed('PUT');
    const q = url.searchParams;
    const check = (over: Partial<Parameters<typeof verifyBlobSignature>[0]>) =>
      verifyBlobSignature({ secret, method: 'PUT', key, query: q, now, ...over });
    expect(await check({ now: expires * 1000 })).toEqual({ ok: false, reason: 'expired' });
    expect(await check({ method: 'GET' })).toEqual({ ok: false, reason: 'method-mismatch' });
    expect(await check({ key: 'hot/abd' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(await check({ secret: 'another-secret-of-enough-length' })).toEqual({ ok: false, reason: 'bad-signature' });
    for (const [name, value] of [['expires', String(expires + 1)], ['sha256', 'cd'.repeat(32)], ['contentType', 'text/html'], ['sig', '0'.repeat(64)]]) {
      const t = new URLSearchParams(q);
      t.set(name!, value!);
      expect(await check({ query: t })).toEqual({ ok: false, reason: 'bad-signature' });
    }
    const noSig = new URLSearchParams(q);
    noSig.delete('sig');
    expect(await check({ query: noSig })).toEqual({ ok: false, reason: 'malformed' });
    expect(await check({ key: '../etc/passwd' })).toEqual({ ok: false, reason: 'malformed' });
  });
});
