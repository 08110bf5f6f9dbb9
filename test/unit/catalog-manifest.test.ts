import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { parseHex64, parseVersionId } from '@strata/core/catalog/hex';
import { canonicalManifest, parseManifest, versionIdOf } from '@strata/core/catalog/manifest';
import { makeManifest } from '../support/dlm1';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof StrataError) return e.code;
    throw e;
  }
}

/** Rebuilds a JSON value with every object's keys in reverse order. */
function reorder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorder);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).reverse().map((k) => [k, reorder((v as Record<string, unknown>)[k])]));
  }
  return v;
}

describe('DLM1 manifest', () => {
  it('accepts the seed shape and lower-cases hex fields', () => {
    const m = parseManifest(
      makeManifest({
        content: { contentHash: 'AB'.repeat(32) },
        lineage: { parents: ['CD'.repeat(32)] },
        provenance: { createdAt: '2025-01-01T00:00:00Z', producer: { identityKey: '02' + 'EF'.repeat(32) } },
      }),
    );
    expect(m.content.contentHash).toBe('ab'.repeat(32));
    expect(m.lineage?.parents).toEqual(['cd'.repeat(32)]);
    expect(m.provenance.producer?.identityKey).toBe('02' + 'ef'.repeat(32));
  });

  it('keeps unknown fields inside open sections but rejects unknown top-level fields', () => {
    const m = parseManifest(makeManifest({ content: { contentHash: 'ab'.repeat(32), extra: { a: 1 } } }));
    expect((m.content as Record<string, unknown>).extra).toEqual({ a: 1 });
    expect(codeOf(() => parseManifest(makeManifest({ surprise: true })))).toBe('validation-failed');
  });

  it('names each offending field', () => {
    try {
      parseManifest(makeManifest({ datasetId: 'x', policy: { license: 'mit', classification: 'secret' } }));
      expect.unreachable();
    } catch (e) {
      const paths = (e as StrataError).extra.issues?.map((i) => i.path);
      expect(paths).toContain('body.manifest.datasetId');
      expect(paths).toContain('body.manifest.policy.classification');
    }
  });

  it('rejects repeated parents, bad hex, bad dates and oversize manifests', () => {
    const p = 'ab'.repeat(32);
    expect(codeOf(() => parseManifest(makeManifest({ lineage: { parents: [p, p] } })))).toBe('validation-failed');
    expect(codeOf(() => parseManifest(makeManifest({ content: { contentHash: 'zz'.repeat(32) } })))).toBe('validation-failed');
    expect(codeOf(() => parseManifest(makeManifest({ provenance: { createdAt: 'yesterday' } })))).toBe('validation-failed');
    const big = makeManifest({ content: { contentHash: p, blob: 'x'.repeat(70_000) } });
    expect(codeOf(() => parseManifest(big))).toBe('payload-too-large');
  });

  it('rejects pathological nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(codeOf(() => parseManifest(makeManifest({ content: { contentHash: 'ab'.repeat(32), deep } })))).toBe('validation-failed');
  });

  it('garbage never throws anything but a validation error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.record({ type: fc.constant('datasetVersionManifest'), datasetId: fc.string() })), (x) => {
        const code = codeOf(() => parseManifest(x));
        expect(code === null || code === 'validation-failed' || code === 'payload-too-large').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('mutating a valid manifest yields a valid manifest or a validation error, never a crash', () => {
    const base = makeManifest();
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base), 'content', 'policy'), fc.jsonValue(), (key, value) => {
        const code = codeOf(() => parseManifest({ ...base, [key]: value }));
        expect(code === null || code === 'validation-failed' || code === 'payload-too-large').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('versionId', () => {
  it('is the sha256 of RFC 8785 canonical JSON without signatures and versionId', () => {
    const m = parseManifest(makeManifest({ name: 'é ☃', content: { contentHash: 'ab'.repeat(32), sizeBytes: 10 } }));
    const canon = canonicalManifest(m);
    expect(canon.startsWith('{"content":{"contentHash":')).toBe(true);
    expect(canon).not.toContain('signatures');
    expect(versionIdOf(m)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order, top-level signatures and versionId, and hex case', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (desc, extra) => {
        const raw = makeManifest({ description: desc, content: { ...extra, contentHash: 'Ab'.repeat(32) } });
        const a = parseManifest(raw);
        const signed = {
          ...(reorder(raw) as Record<string, unknown>),
          signatures: { producer: { publicKey: '02' + '11'.repeat(32), signature: 'deadbeef00' } },
          versionId: 'ff'.repeat(32),
        };
        const b = parseManifest(signed);
        expect(versionIdOf(b)).toBe(versionIdOf(a));
      }),
      { numRuns: 200 },
    );
  });

  it('changes when any content changes, including a nested key named signatures', () => {
    const a = parseManifest(makeManifest({ content: { contentHash: 'ab'.repeat(32) } }));
    const b = parseManifest(makeManifest({ content: { contentHash: 'ab'.repeat(32), signatures: 'x' } }));
    const c = parseManifest(makeManifest({ content: { contentHash: 'ab'.repeat(32) }, description: 'other' }));
    expect(new Set([versionIdOf(a), versionIdOf(b), versionIdOf(c)]).size).toBe(3);
  });
});

describe('hex parsers', () => {
  it('lower-cases 64-hex and rejects everything else with a hint naming the field', () => {
    expect(parseVersionId('AB'.repeat(32))).toBe('ab'.repeat(32));
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ok = /^[0-9a-fA-F]{64}$/.test(s);
        try {
          expect(parseHex64('txid', s)).toBe(s.toLowerCase());
          expect(ok).toBe(true);
        } catch (e) {
          expect(ok).toBe(false);
          expect((e as StrataError).code).toBe('bad-request');
          expect((e as StrataError).extra.hint).toContain('txid');
        }
      }),
    );
    for (const bad of ['', 'ab'.repeat(31), 'ab'.repeat(33), 'g'.repeat(64), ` ${'a'.repeat(63)}`, null, 42, ['a'.repeat(64)]]) {
      expect(codeOf(() => parseVersionId(bad))).toBe('bad-request');
    }
  });
});
