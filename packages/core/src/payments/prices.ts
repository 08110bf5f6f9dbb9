/**
 * Price verbs: GET /price (cached in the `prices` namespace; writes invalidate through the
 * outbox like the catalog's), POST /price (the version override) and POST /price/rules (a
 * version rule or the caller's producer-wide rule), each only by the version's producer.
 */
import { cacheKeys, cacheTags, type CacheResult } from '../cache/index';
import { producerIdOf } from '../catalog/ids';
import { actorName, auditOf, identityKeyOf, type Call } from '../context';
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import { commitWrite, type Invalidation } from '../outbox/outbox';
import type { Statement } from '../ports/sql';
import { getSaleVersion, setOverrideStatement, setRuleStatement, type SaleVersion } from './price-repo';
import type { Price, SetPriceBody, SetPriceRuleBody } from './schema';

export const PRICES_TAG = cacheTags.of('prices');

/** What the price verbs use. */
export type PricesDeps = Pick<Deps, 'sql' | 'cache' | 'clock' | 'config'>;

const nowOf = (deps: Pick<Deps, 'clock'>) => new Date(deps.clock.now());
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** The price that applies: version rule > version override > producer rule > default. */
export function resolvePrice(v: SaleVersion, defaultSat: number): number {
  return v.versionRuleSat ?? v.overrideSat ?? v.producerRuleSat ?? defaultSat;
}

interface CachedPrice {
  readonly versionId: string;
  readonly contentHash: string;
  readonly satoshis: number;
}

/** GET /price: the cached price of a version, quoted until now + PRICE_QUOTE_TTL_SEC. */
export async function getPrice(call: Call<PricesDeps, { versionId: string }>): Promise<{ price: Price; cache: CacheResult<CachedPrice> }> {
  const { deps, ctx, input } = call;
  const v = input.versionId;
  const r = await deps.cache.get<CachedPrice>(
    'prices',
    cacheKeys.price(v),
    async () => {
      const sale = await getSaleVersion(deps.sql, v);
      return sale ? { versionId: sale.versionId, contentHash: sale.contentHash, satoshis: resolvePrice(sale, deps.config.PRICE_DEFAULT_SATS) } : null;
    },
    { tags: [cacheTags.version(v), PRICES_TAG], waitUntil: ctx.waitUntil },
  );
  if (r.value === null) throw new StrataError('not-found', 'No published version has this id.', { hint: 'manifest missing' });
  const expiresAt = epoch(nowOf(deps)) + deps.config.PRICE_QUOTE_TTL_SEC;
  return { price: { ...r.value, expiresAt }, cache: r };
}

/** The version, which must exist and belong to the caller's identity (`forbidden` otherwise). */
async function ownedVersion(deps: Pick<Deps, 'sql'>, identityKey: string | null | undefined, versionId: string): Promise<SaleVersion> {
  if (!identityKey) throw new StrataError('unauthorized', 'Setting a price must be identity-signed.', { hint: 'missing/invalid X-Identity-Key' });
  const sale = await getSaleVersion(deps.sql, versionId);
  if (!sale) throw new StrataError('not-found', 'No published version has this id.', { hint: 'manifest missing' });
  if (!sale.producerIdentityKey || sale.producerIdentityKey.toLowerCase() !== identityKey.toLowerCase()) {
    throw new StrataError('forbidden', "Only the version's producer may price it.", { hint: 'not-the-producer' });
  }
  return sale;
}

async function writeWithAudit(call: Call<PricesDeps, unknown>, statements: Statement[], invalidate: Invalidation, action: string, resource: string, after: unknown) {
  const { deps, ctx } = call;
  return commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    { statements, invalidate, audit: { ...auditOf(ctx), action, resource, after } },
  );
}

/** POST /price: the producer's price for one of its versions (the "version override"). */
export async function setPrice(call: Call<PricesDeps, SetPriceBody>): Promise<{ status: 'ok' }> {
  const { deps, ctx, input } = call;
  await ownedVersion(deps, identityKeyOf(ctx), input.versionId);
  await writeWithAudit(
    call,
    [setOverrideStatement(input.versionId, input.satoshis, actorName(ctx.actor), nowOf(deps))],
    { keys: [cacheKeys.price(input.versionId)], tags: [] },
    'payments.price.set',
    `version:${input.versionId}`,
    { satoshis: input.satoshis },
  );
  return { status: 'ok' };
}

/** POST /price/rules: a version rule (beats the override) or the caller's producer-wide rule. */
export async function setPriceRule(call: Call<PricesDeps, SetPriceRuleBody>): Promise<{ status: 'ok' }> {
  const { deps, ctx, input } = call;
  if (input.scope === 'version') {
    await ownedVersion(deps, identityKeyOf(ctx), input.versionId);
    await writeWithAudit(
      call,
      [setRuleStatement('version', input.versionId, input.satoshis, actorName(ctx.actor), nowOf(deps))],
      { keys: [cacheKeys.price(input.versionId)], tags: [] },
      'payments.price-rule.set',
      `version:${input.versionId}`,
      { scope: 'version', satoshis: input.satoshis },
    );
    return { status: 'ok' };
  }
  const identityKey = identityKeyOf(ctx);
  if (!identityKey) throw new StrataError('unauthorized', 'Setting a price must be identity-signed.', { hint: 'missing/invalid X-Identity-Key' });
  const producerId = producerIdOf(identityKey);
  // one producer's rule can change many versions' prices: every cached price goes stale
  await writeWithAudit(
    call,
    [setRuleStatement('producer', producerId, input.satoshis, actorName(ctx.actor), nowOf(deps))],
    { keys: [], tags: [PRICES_TAG] },
    'payments.price-rule.set',
    `producer:${producerId}`,
    { scope: 'producer', satoshis: input.satoshis },
  );
  return { status: 'ok' };
}
