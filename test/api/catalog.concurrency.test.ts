/**
 * Concurrency on the real tiers: two writer isolates publish into one dataset while reader
 * isolates hammer the same listings page and details (including ids not yet published, i.e.
 * cached 404s). A writer never reads an older state than its acknowledged writes; once the
 * sweep interval has passed (L1 windows and negative entries expired), nobody does.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sweepOutbox } from '@strata/core/outbox/outbox';
import { manualClock } from '@strata/core/ports/clock';
import { describeWith } from '../support/reachable';
import { serviceDeps, type TestStack } from '../support/deps';
import { makePublication, type Publication } from '../support/dlm1';
import { call, submit } from '../support/catalog-http';
import { isolateOf, type Isolate } from '../support/catalog-isolate';

const ENV = { RATE_LIMIT_PER_MIN: '0', FEATURE_FLAGS_JSON: '{"lineageHooks":false}' };
const PAGE = '/listings?datasetId=ds-race&limit=200';
const ids = (r: { body: { items: { versionId: string }[] } }) => new Set(r.body.items.map((i) => i.versionId));

await describeWith(['postgres', 'redis'], 'catalog under concurrent readers and writers', () => {
  const clock = manualClock(Date.now());
  let stack: TestStack;
  const isolates: Isolate[] = [];
  beforeAll(async () => {
    stack = await serviceDeps({ env: ENV, platform: { clock } });
    for (let i = 0; i < 3; i++) isolates.push(await isolateOf(stack, ENV, { clock }));
  });
  afterAll(async () => {
    for (const i of isolates) await i.close();
    await stack?.close();
  });

  it('never shows a writer less than it wrote; shows everyone everything after the sweep interval', { timeout: 120_000 }, async () => {
    const [writerB, ...readers] = isolates as [Isolate, Isolate, Isolate];
    const writers = [stack, writerB];
    const planned: Publication[][] = writers.map(() => Array.from({ length: 5 }, () => makePublication({ datasetId: 'ds-race' })));
    const all = planned.flat();
    let writing = true;
    const violations: string[] = [];

    const write = async (w: number) => {
      const app = writers[w]!;
      const mine: string[] = [];
      for (const p of planned[w]!) {
        const r = await submit(app, p);
        expect(r.status).toBe(201);
        mine.push(p.versionId);
        const page = ids(await call(app, 'GET', PAGE));
        for (const v of mine) if (!page.has(v)) violations.push(`writer ${w} lost ${v.slice(0, 8)} in the page`);
        const d = await call(app, 'GET', `/listings/${p.versionId}`);
        if (d.status !== 200) violations.push(`writer ${w} got ${d.status} for its own ${p.versionId.slice(0, 8)}`);
      }
    };
    const read = async (r: Isolate) => {
      let n = 0;
      while (writing && n < 2_000) {
        const target = all[n++ % all.length]!;
        const [page, detail] = await Promise.all([call(r, 'GET', PAGE), call(r, 'GET', `/listings/${target.versionId}`)]);
        expect(page.status).toBe(200);
        expect([200, 404]).toContain(detail.status);
      }
      return n;
    };

    const readers$ = readers.map(read);
    try {
      await Promise.all(writers.map((_, w) => write(w)));
    } finally {
      writing = false;
    }
    const reads = await Promise.all(readers$);
    expect(reads.every((n) => n > 0)).toBe(true);
    expect(violations).toEqual([]);

    await stack.settle();
    // each writer marks its outbox rows applied in the background, after its response
    for (const i of isolates) await i.settle();
    // Past every L1 window and negative entry, and the sweep interval. A writer applies its own
    // invalidation; one whose Kv call failed (a timeout under load) is left to the sweeper — so a
    // row may be pending here only if some Kv call really failed. Then the sweep runs, as the cron does.
    clock.advance(61_000);
    const pending = async () => (await stack.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_outbox WHERE applied_at IS NULL'))[0]!.n;
    const kv = [stack, ...isolates].map((x) => x.deps.cache.stats().kv);
    const kvFailures = kv.reduce((n, k) => n + k.errors + k.timeouts + k.skipped, 0);
    if ((await pending()) > 0) expect(kvFailures, `outbox rows pending with no Kv failure; kv per instance: ${JSON.stringify(kv)}`).toBeGreaterThan(0);
    const swept = await sweepOutbox(stack.deps, { olderThanSec: 0 });
    expect(swept.failed).toBe(0);
    expect(await pending()).toBe(0);
    for (const r of [stack, ...isolates]) {
      const page = ids(await call(r, 'GET', PAGE));
      expect([...page].sort()).toEqual(all.map((p) => p.versionId).sort());
      for (const p of all) expect((await call(r, 'GET', `/listings/${p.versionId}`)).status).toBe(200);
    }
  });
});
