/**
 * The price verbs called directly (no app) on a fresh database on the local PostgreSQL with the
 * real cache engine over a memory Kv: the price that applies (version rule > override > producer
 * rule > default) read through the price repo, its quote window, the cached price and what each
 * write invalidates, who may price a version and the audit row of each write.
 */
import { PrivateKey } from '@bsv/sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { createPoolSql } from '@strata/core/adapters/sql/pool-sql';
import { cacheKeys, cacheTags, createCache, type Cache } from '@strata/core/cache/index';
import { producerIdOf } from '@strata/core/catalog/ids';
import { interpretPublishResult, preparePublish } from '@strata/core/catalog/publish';
import type { Config } from '@strata/core/config/index';
import type { Actor } from '@strata/core/context';
import { StrataError } from '@strata/core/errors';
import { migrate } from '@strata/core/migrate/files';
import { getSaleVersion, setOverrideStatement, setRuleStatement } from '@strata/core/payments/price-repo';
import { PRICES_TAG, getPrice, resolvePrice, setPrice, setPriceRule, type PricesDeps } from '@strata/core/payments/prices';
import { manualClock } from '@strata/core/ports/clock';
import type { Sql } from '@strata/core/ports/sql';
import { testCtx } from '../support/ctx';
import { makePublication, type Publication } from '../support/dlm1';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

const t0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(t0 + s * 1000);

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string; hint: string | undefined }> {
  const e = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StrataError);
  const s = e as StrataError;
  return { code: s.code, message: s.message, hint: s.extra.hint };
}

await describeWith(['postgres'], 'price verbs on PostgreSQL (verbs)', () => {
  let db: TestDatabase;
  let sql: Sql;
  let cache: Cache;
  const clock = manualClock(t0 + 1500);
  let deps: PricesDeps;
  const owner = PrivateKey.fromRandom();
  const ownerKey = owner.toPublicKey().toString();
  const as = (key: string): Actor => ({ kind: 'identity', key });

  async function publish(signer?: PrivateKey): Promise<Publication> {
    const pub = makePublication({ datasetId: 'ds-prices' }, signer ? { signer } : {});
    const prepared = preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now: at(0) });
    expect(interpretPublishResult(prepared, await sql.batch(prepared.statements))).toBe('created');
    return pub;
  }
  const price = async (versionId: string) => (await getPrice({ deps, ctx: testCtx(), input: { versionId } })).price.satoshis;
  /** The invalidation the last write left in the outbox (what the sweeper re-applies). */
  const lastOutbox = async () => (await sql.query(`SELECT keys, tags FROM cache_outbox ORDER BY id DESC LIMIT 1`))[0];
  const auditRows = (resource: string) =>
    sql.query(`SELECT actor, action, resource, request_id, after FROM audit_log WHERE resource = $1 ORDER BY id`, [resource]);

  beforeAll(async () => {
    db = await createTestDatabase('strata_prices');
    sql = createPoolSql(new pg.Pool({ connectionString: db.url, max: 4 }), 'pg', { typeParser: pg.types.getTypeParser });
    await migrate(sql);
    cache = createCache({ kv: createMemoryKv({ clock }), clock });
    deps = { sql, cache, clock, config: { PRICE_DEFAULT_SATS: 5000, PRICE_QUOTE_TTL_SEC: 1800 } as Config };
  });
  afterAll(async () => {
    await cache?.settle();
    await sql?.close();
    await db?.drop();
  });

  describe('the price repo', () => {
    it('getSaleVersion: the version, its producer and payout, and every price candidate as numbers', async () => {
      const seller = PrivateKey.fromRandom();
      const sellerKey = seller.toPublicKey().toString();
      const pub = await publish(seller);
      const producerId = producerIdOf(sellerKey);
      await sql.query(`UPDATE producers SET payout_script_hex = '76a914' WHERE producer_id = $1`, [producerId]);
      expect(await getSaleVersion(sql, pub.versionId)).toStrictEqual({
        versionId: pub.versionId,
        contentHash: pub.parsed.content.contentHash,
        sizeBytes: 1024,
        producerId,
        producerIdentityKey: sellerKey,
        payoutScriptHex: '76a914',
        versionRuleSat: null,
        overrideSat: null,
        producerRuleSat: null,
      });
      const other = await publish(PrivateKey.fromRandom());
      await sql.batch([
        setRuleStatement('version', pub.versionId, 111, 'identity:x', at(1)),
        setOverrideStatement(pub.versionId, 222, 'identity:x', at(1)),
        setRuleStatement('producer', producerId, 333, 'identity:x', at(1)),
        // another version's and another producer's prices do not apply
        setRuleStatement('version', other.versionId, 7, 'identity:x', at(1)),
        setOverrideStatement(other.versionId, 8, 'identity:x', at(1)),
        setRuleStatement('producer', producerIdOf(PrivateKey.fromRandom().toPublicKey().toString()), 9, 'identity:x', at(1)),
      ]);
      expect(await getSaleVersion(sql, pub.versionId)).toMatchObject({ versionRuleSat: 111, overrideSat: 222, producerRuleSat: 333 });
      // the upserts replace the amount, the setter and the time
      await sql.batch([
        setRuleStatement('version', pub.versionId, 2 ** 53 - 1, 'identity:y', at(2)),
        setOverrideStatement(pub.versionId, 444, 'identity:y', at(2)),
        setRuleStatement('producer', producerId, 555, 'identity:y', at(2)),
      ]);
      expect(await getSaleVersion(sql, pub.versionId)).toMatchObject({ versionRuleSat: 2 ** 53 - 1, overrideSat: 444, producerRuleSat: 555 });
      expect(await sql.query(`SELECT scope, set_by, created_at, updated_at FROM price_rules WHERE scope_id IN ($1, $2) ORDER BY scope`, [pub.versionId, producerId])).toEqual([
        { scope: 'producer', set_by: 'identity:y', created_at: at(1), updated_at: at(2) },
        { scope: 'version', set_by: 'identity:y', created_at: at(1), updated_at: at(2) },
      ]);
      expect(await sql.query(`SELECT set_by, created_at, updated_at FROM price_overrides WHERE version_id = $1`, [pub.versionId])).toEqual([
        { set_by: 'identity:y', created_at: at(1), updated_at: at(2) },
      ]);
      // a version without a producer or a stated size
      const anon = await publish();
      expect(await getSaleVersion(sql, anon.versionId)).toMatchObject({ producerId: null, producerIdentityKey: null, payoutScriptHex: null, sizeBytes: 1024 });
      await sql.query(`UPDATE assets SET size_bytes = NULL WHERE version_id = $1`, [anon.versionId]);
      expect((await getSaleVersion(sql, anon.versionId))?.sizeBytes).toBeNull();
      expect(await getSaleVersion(sql, 'ef'.repeat(32))).toBeNull();
    });
  });

  describe('resolvePrice', () => {
    const v = { versionId: 'a', contentHash: 'b', sizeBytes: 1, producerId: null, producerIdentityKey: null, payoutScriptHex: null };
    it('version rule > override > producer rule > default', () => {
      expect(resolvePrice({ ...v, versionRuleSat: 1, overrideSat: 2, producerRuleSat: 3 }, 9)).toBe(1);
      expect(resolvePrice({ ...v, versionRuleSat: null, overrideSat: 2, producerRuleSat: 3 }, 9)).toBe(2);
      expect(resolvePrice({ ...v, versionRuleSat: null, overrideSat: null, producerRuleSat: 3 }, 9)).toBe(3);
      expect(resolvePrice({ ...v, versionRuleSat: null, overrideSat: null, producerRuleSat: null }, 9)).toBe(9);
      expect(resolvePrice({ ...v, versionRuleSat: 1, overrideSat: null, producerRuleSat: null }, 9)).toBe(1);
    });
  });

  describe('GET /price', () => {
    it('the default price, quoted for PRICE_QUOTE_TTL_SEC from the current whole second, then served from the cache', async () => {
      const pub = await publish(owner);
      clock.set(t0 + 1500);
      const first = await getPrice({ deps, ctx: testCtx(), input: { versionId: pub.versionId } });
      expect(first.price).toStrictEqual({ versionId: pub.versionId, contentHash: pub.parsed.content.contentHash, satoshis: 5000, expiresAt: t0 / 1000 + 1 + 1800 });
      expect(first.cache.status).toBe('miss');
      expect(first.cache.value).toStrictEqual({ versionId: pub.versionId, contentHash: pub.parsed.content.contentHash, satoshis: 5000 });
      // a change that bypasses the verbs is not seen while the cached price is fresh
      await sql.batch([setOverrideStatement(pub.versionId, 77, 'identity:z', at(1))]);
      clock.set(t0 + 2999);
      const second = await getPrice({ deps, ctx: testCtx(), input: { versionId: pub.versionId } });
      expect(second.cache.status).toBe('hit');
      expect(second.price).toMatchObject({ satoshis: 5000, expiresAt: t0 / 1000 + 2 + 1800 });
      // the entry carries the version's tag and the prices tag
      await cache.invalidate({ tags: [cacheTags.version(pub.versionId)] });
      expect(await price(pub.versionId)).toBe(77);
      await sql.batch([setOverrideStatement(pub.versionId, 78, 'identity:z', at(1))]);
      await cache.invalidate({ tags: [PRICES_TAG] });
      expect(await price(pub.versionId)).toBe(78);
      expect(PRICES_TAG).toBe(cacheTags.of('prices'));
    });

    it('an unknown version is not-found (and stays so once cached)', async () => {
      const unknown = 'cd'.repeat(32);
      for (let i = 0; i < 2; i++) {
        expect(await refusal(getPrice({ deps, ctx: testCtx(), input: { versionId: unknown } }))).toEqual({
          code: 'not-found',
          message: 'No published version has this id.',
          hint: 'manifest missing',
        });
      }
      expect(cache.peekL1(cacheKeys.price(unknown))).toBeDefined();
    });
  });

  describe('POST /price and /price/rules', () => {
    it('the producer sets an override: stored, audited, and the cached price changes at once', async () => {
      const pub = await publish(owner);
      expect(await price(pub.versionId)).toBe(5000);
      clock.set(t0 + 60_000);
      // the identity key is compared without regard to case
      const ctx = testCtx(as(ownerKey.toUpperCase()), 'req-set');
      expect(await setPrice({ deps, ctx, input: { versionId: pub.versionId, satoshis: 1234 } })).toEqual({ status: 'ok' });
      expect(await price(pub.versionId)).toBe(1234);
      expect(await lastOutbox()).toEqual({ keys: [cacheKeys.price(pub.versionId)], tags: [] });
      expect(await sql.query(`SELECT satoshis::int AS s, set_by, updated_at FROM price_overrides WHERE version_id = $1`, [pub.versionId])).toEqual([
        { s: 1234, set_by: `identity:${ownerKey.toUpperCase()}`, updated_at: at(60) },
      ]);
      expect(await auditRows(`version:${pub.versionId}`)).toEqual([
        { actor: `identity:${ownerKey.toUpperCase()}`, action: 'payments.price.set', resource: `version:${pub.versionId}`, request_id: 'req-set', after: { satoshis: 1234 } },
      ]);
    });

    it('a version rule beats the override; a producer rule reprices every cached price of the producer', async () => {
      const seller = PrivateKey.fromRandom();
      const key = seller.toPublicKey().toString();
      const a = await publish(seller);
      const b = await publish(seller);
      const ctx = testCtx(as(key), 'req-rule');
      expect(await price(a.versionId)).toBe(5000);
      expect(await price(b.versionId)).toBe(5000);
      expect(await setPriceRule({ deps, ctx, input: { scope: 'producer', satoshis: 300 } })).toEqual({ status: 'ok' });
      expect(await lastOutbox()).toEqual({ keys: [], tags: [PRICES_TAG] });
      expect(await price(a.versionId)).toBe(300);
      expect(await price(b.versionId)).toBe(300);
      await setPrice({ deps, ctx, input: { versionId: a.versionId, satoshis: 200 } });
      expect(await price(a.versionId)).toBe(200);
      expect(await setPriceRule({ deps, ctx, input: { scope: 'version', versionId: a.versionId, satoshis: 100 } })).toEqual({ status: 'ok' });
      expect(await lastOutbox()).toEqual({ keys: [cacheKeys.price(a.versionId)], tags: [] });
      expect(await price(a.versionId)).toBe(100);
      expect(await price(b.versionId)).toBe(300);
      const producerId = producerIdOf(key);
      expect(await sql.query(`SELECT scope, scope_id, satoshis::int AS s, set_by FROM price_rules WHERE set_by = $1 ORDER BY scope`, [`identity:${key}`])).toEqual([
        { scope: 'producer', scope_id: producerId, s: 300, set_by: `identity:${key}` },
        { scope: 'version', scope_id: a.versionId, s: 100, set_by: `identity:${key}` },
      ]);
      expect(await auditRows(`producer:${producerId}`)).toEqual([
        { actor: `identity:${key}`, action: 'payments.price-rule.set', resource: `producer:${producerId}`, request_id: 'req-rule', after: { scope: 'producer', satoshis: 300 } },
      ]);
      expect((await auditRows(`version:${a.versionId}`)).map((r) => [r.action, r.after])).toEqual([
        ['payments.price.set', { satoshis: 200 }],
        ['payments.price-rule.set', { scope: 'version', satoshis: 100 }],
      ]);
    });

    it('only the version producer may price it; unsigned callers are unauthorized; unknown versions not-found', async () => {
      const pub = await publish(owner);
      const anon = await publish();
      const stranger = testCtx(as(PrivateKey.fromRandom().toPublicKey().toString()));
      const forbidden = { code: 'forbidden', message: "Only the version's producer may price it.", hint: 'not-the-producer' };
      const unauthorized = { code: 'unauthorized', message: 'Setting a price must be identity-signed.', hint: 'missing/invalid X-Identity-Key' };
      const notFound = { code: 'not-found', message: 'No published version has this id.', hint: 'manifest missing' };
      expect(await refusal(setPrice({ deps, ctx: stranger, input: { versionId: pub.versionId, satoshis: 1 } }))).toEqual(forbidden);
      expect(await refusal(setPriceRule({ deps, ctx: stranger, input: { scope: 'version', versionId: pub.versionId, satoshis: 1 } }))).toEqual(forbidden);
      // a version without a producer can be priced by no one
      expect(await refusal(setPrice({ deps, ctx: testCtx(as(ownerKey)), input: { versionId: anon.versionId, satoshis: 1 } }))).toEqual(forbidden);
      expect(await refusal(setPrice({ deps, ctx: testCtx(), input: { versionId: pub.versionId, satoshis: 1 } }))).toEqual(unauthorized);
      expect(await refusal(setPriceRule({ deps, ctx: testCtx({ kind: 'admin' }), input: { scope: 'version', versionId: pub.versionId, satoshis: 1 } }))).toEqual(unauthorized);
      expect(await refusal(setPriceRule({ deps, ctx: testCtx(), input: { scope: 'producer', satoshis: 1 } }))).toEqual(unauthorized);
      expect(await refusal(setPrice({ deps, ctx: testCtx(as(ownerKey)), input: { versionId: 'cd'.repeat(32), satoshis: 1 } }))).toEqual(notFound);
      // nothing was written
      expect(await sql.query(`SELECT 1 FROM price_overrides WHERE version_id IN ($1, $2)`, [pub.versionId, anon.versionId])).toEqual([]);
      expect(await sql.query(`SELECT 1 FROM price_rules WHERE satoshis = 1`)).toEqual([]);
    });
  });
});
