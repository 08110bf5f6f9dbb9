/** Namespace windows (CACHE_TTLS_JSON) and key/tag builders. */
import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import {
  CacheTtlsJson,
  DEFAULT_NAMESPACES,
  cacheKeys,
  cacheTags,
  createCache,
  markerTtlMs,
  maxHorizonMs,
  resolveNamespaces,
} from '@strata/core/cache/index';
import { manualClock } from '@strata/core/ports/clock';
import { randomVersionId } from '../support/cache-wrappers';

const V = 'ab'.repeat(32);

describe('cache namespaces', () => {
  it('has the seed defaults, in seconds', () => {
    expect(DEFAULT_NAMESPACES.assets.fresh).toBe(300);
    expect(DEFAULT_NAMESPACES.listings.fresh).toBe(180);
    expect(DEFAULT_NAMESPACES.producers.fresh).toBe(86_400);
    expect(DEFAULT_NAMESPACES['headers-tip'].fresh).toBeLessThanOrEqual(15);
    for (const w of Object.values(DEFAULT_NAMESPACES)) expect(w.l1).toBeLessThanOrEqual(w.fresh);
  });

  it('applies CACHE_TTLS_JSON: a number is fresh seconds, an object overrides windows, l1 never exceeds fresh', () => {
    const t = resolveNamespaces(JSON.parse('{"assets":60,"bundles":{"fresh":3,"grace":10,"l1":30},"headers-tip":{"negative":1}}'));
    expect(t.assets).toEqual({ ...DEFAULT_NAMESPACES.assets, fresh: 60 });
    expect(t.bundles).toEqual({ ...DEFAULT_NAMESPACES.bundles, fresh: 3, grace: 10, l1: 3 });
    expect(t['headers-tip'].negative).toBe(1);
    expect(t.listings).toEqual(DEFAULT_NAMESPACES.listings);
  });

  it('rejects unknown namespaces, unknown fields, negative or fractional seconds', () => {
    for (const bad of [{ asset: 60 }, { assets: { ttl: 5 } }, { assets: -1 }, { assets: 1.5 }, { assets: { l1: 7200 } }]) {
      expect(CacheTtlsJson.safeParse(bad).success).toBe(false);
      expect(() => resolveNamespaces(bad)).toThrow();
    }
  });

  it('markers outlive every entry (longest horizon + slack)', () => {
    const t = resolveNamespaces({ producers: { fresh: 7 * 86_400, stale: 7 * 86_400, grace: 30 * 86_400 } });
    expect(markerTtlMs(t)).toBeGreaterThan(maxHorizonMs(t));
    expect(maxHorizonMs(t)).toBeGreaterThanOrEqual(Math.floor((7 * 1.1 + 7 + 30) * 86_400_000));
  });

  it('jitter spreads fresh by ± the namespace fraction', async () => {
    const clock = manualClock();
    const until = async (r: number) => {
      const cache = createCache({ kv: createMemoryKv({ clock }), clock, random: () => r });
      const key = cacheKeys.asset(randomVersionId());
      await cache.get('assets', key, async () => ({ ok: 1 }));
      const e = cache.peekL1(key);
      return ((e?.f ?? 0) - clock.now()) / 1000;
    };
    expect(await until(0)).toBe(270);
    expect(await until(0.5)).toBe(300);
    expect(await until(0.9999999)).toBeCloseTo(330, 2);
  });
});

describe('cache keys and tags', () => {
  it('builds the documented keys with the schema-version prefix', () => {
    expect(cacheKeys.asset(V)).toBe(`v1:cache:asset:${V}`);
    expect(cacheKeys.bundle(V, 8)).toBe(`v1:cache:bundle:${V}|8`);
    expect(cacheKeys.lineage('dataset:overlay:prod:x', 3, 'both', 'cyto')).toBe('v1:ol:cache:lineage:dataset:overlay:prod:x|3|both|cyto');
    expect(cacheKeys.headersTip()).toBe('v1:cache:headers:tip');
    expect(cacheKeys.price(V)).toBe(`v1:cache:price:${V}`);
    expect(cacheKeys.policyPreview('pol_1', V)).toBe(`v1:cache:policy-preview:pol_1:${V}`);
  });

  it('canonicalises query keys: sorted names, skipped blanks, encoded values that cannot break structure', () => {
    const a = cacheKeys.listings({ q: 'a b|c:d', offset: 0, limit: 50, datasetId: undefined, producerId: null });
    expect(a).toBe('v1:cache:listings|limit=50|offset=0|q=a%20b%7Cc%3Ad');
    expect(cacheKeys.listings({ limit: 50, offset: 0, q: 'a b|c:d' })).toBe(a);
    expect(cacheKeys.listings({ q: 'x', limit: 1 })).not.toBe(cacheKeys.listings({ q: 'x|limit=1' }));
  });

  it('rejects ids that could address another key', () => {
    for (const bad of [V.toUpperCase(), V.slice(1), `${V}|1`, `${V.slice(2)}:x`]) expect(() => cacheKeys.asset(bad)).toThrow(TypeError);
    expect(() => cacheKeys.producer('a:b')).toThrow(TypeError);
    expect(() => cacheKeys.producer('a b')).toThrow(TypeError);
    expect(() => cacheKeys.producer('')).toThrow(TypeError);
    expect(() => cacheKeys.lineage('dataset:ns:a|9', 3, 'both', 'simple')).toThrow(TypeError);
    expect(() => cacheKeys.lineage('dataset:ns:a', -1, 'both', 'simple')).toThrow(TypeError);
    expect(() => cacheKeys.bundle(V, 1.5)).toThrow(TypeError);
    expect(() => cacheKeys.listings({ 'a|b': 1 })).toThrow(TypeError);
    expect(() => cacheKeys.listings({ q: 'x'.repeat(600) })).toThrow(TypeError);
  });

  it('builds tags from validated parts', () => {
    expect(cacheTags.listings()).toBe('listings');
    expect(cacheTags.lineageNamespace('overlay:prod')).toBe('lineage:ns:overlay:prod');
    expect(cacheTags.version(V)).toBe(`version:${V}`);
    expect(cacheTags.of('producer', 'p-1')).toBe('producer:p-1');
    expect(() => cacheTags.of('a|b')).toThrow(TypeError);
    expect(() => cacheTags.of()).toThrow(TypeError);
    expect(() => cacheTags.lineageNamespace('ns|x')).toThrow(TypeError);
  });
});
