/**
 * The HTTP side of cached reads (functions/src/http/cache-headers.ts): bodies and ETags are
 * memoised only for values an L1 hit returned (the objects L1 hands out again), never for values
 * read from L2 or loaded, which are new objects each time.
 */
import { Hono, type Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACES } from '@strata/core/cache/namespaces';
import type { CacheTier } from '@strata/core/cache/index';
import { fnv64 } from '@strata/core/util/hash';
import { sendCached, sendCachedJson } from '@strata/functions/http/cache-headers';

function appFor(send: (c: Context) => Promise<Response>) {
  const app = new Hono();
  app.get('/x', (c) => {
    c.set('deps' as never, { cache: { namespaces: DEFAULT_NAMESPACES } } as never);
    return send(c);
  });
  return app;
}

/** A frozen value whose serialisation is counted. */
function counted() {
  const calls = { n: 0 };
  const value = Object.freeze({
    toJSON() {
      calls.n++;
      return { versionId: 'v1', name: 'n' };
    },
  });
  return { value, calls };
}

describe('cached responses', () => {
  it('an L1 value is serialised once across requests; an L2 or loaded value every time', async () => {
    for (const [tier, expected] of [['l1', 1], ['l2', 3], ['origin', 3]] as [CacheTier, number][]) {
      const { value, calls } = counted();
      const app = appFor((c) => sendCached(c, { value, status: 'hit', tier }, 'assets', { detail: 'none' }));
      const bodies = new Set<string>();
      for (let i = 0; i < 3; i++) bodies.add(await (await app.request('/x')).text());
      expect([...bodies]).toEqual(['{"versionId":"v1","name":"n"}']);
      expect(calls.n, tier).toBe(expected);
    }
  });

  it('JSON-text values are sent as stored, with their carried hash or one computed from the text', async () => {
    const json = '{"nodes":[],"edges":[]}';
    for (const value of [Object.freeze({ json, fnv64: fnv64(json) }), Object.freeze({ json })]) {
      const app = appFor((c) => sendCachedJson(c, { value, status: 'hit', tier: 'l2' }, 'lineage', { detail: 'none' }));
      const r = await app.request('/x');
      expect(await r.text()).toBe(json);
      expect(r.headers.get('etag')).toBe(`W/"${fnv64(json)}"`);
      const again = await app.request('/x', { headers: { 'if-none-match': `W/"${fnv64(json)}"` } });
      expect(again.status).toBe(304);
    }
  });
});
