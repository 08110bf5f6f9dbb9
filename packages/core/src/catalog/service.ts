/**
 * Catalog verbs: HTTP-free orchestration of the catalog domain over Deps. Each verb takes
 * `{deps, ctx, input}`. Reads go through the cache engine (L1 → L2 → Postgres); writes commit
 * data + audit + outbox rows in ONE `sql.batch` (`commitWrite`), then invalidate Kv in one
 * round trip — the sweeper re-applies the outbox row if that step is lost (docs/adr/0003).
 */
import { cacheKeys, cacheTags, type CacheResult } from '../cache/index';
import { auditOf, identityKeyOf, nonceOf, type Call } from '../context';
import type { Deps } from '../deps';
import { invalidInput, StrataError, type SchemaIssue } from '../errors';
import { commitWrite, type Invalidation } from '../outbox/outbox';
import type { AuditEntry } from '../audit/audit';
import type { Job } from '../ports/queue';
import type { Statement } from '../ports/sql';
import { resolveWebhookTarget } from '../net/webhook-url';
import { AgentSearch, getAgent, interpretPingResult, interpretRegisterResult, parseAgentId, pingAgent, registerAgent, searchAgents, type Agent } from './agents';
import { sha256Hex } from '../util/hash';
import { parseVersionId } from './hex';
import { interpretPublishResult, preparePublish, publishConflictFrom } from './publish';
import { getProducer, getProducerByDataset, parseProducerId, registerProducer, type Producer } from './producers';
import { getListing, ListingQuery, searchListings, searchTsquery, type ListingDetail } from './repo';
import type { ListingsPage, PublishResult } from './schema';

/** What catalog writes use. */
export type CatalogWriteDeps = Pick<Deps, 'sql' | 'cache' | 'clock'>;
/** What publishing uses: the write, plus the queue its `lineage.publish` job goes to. */
export type PublishDeps = CatalogWriteDeps & Pick<Deps, 'config' | 'queue' | 'log'>;
/** What catalog cached reads use. */
export type CatalogReadDeps = Pick<Deps, 'sql' | 'cache'>;

// ---------------------------------------------------------------------------------------------
// Writes

const now = (deps: Pick<Deps, 'clock'>) => new Date(deps.clock.now());

async function write(call: Call<CatalogWriteDeps, unknown>, statements: Statement[], invalidate: Invalidation, audit: Omit<AuditEntry, 'actor' | 'requestId'>) {
  const { deps, ctx } = call;
  return commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    { statements, invalidate, audit: { ...audit, ...auditOf(ctx) }, nonce: nonceOf(ctx) },
  );
}

export type { PublishResult } from './schema';

/**
 * The post-commit job of a publish: `lineage.publish` stores the version's OpenLineage COMPLETE
 * event (lineage/publish-events.ts). Sent after the response is decided (`waitUntil`); a send
 * that fails is logged and left to the `outbox-sweep` schedule's reconcile, which emits every
 * missing publish event from the catalog rows. Off with FEATURE_FLAGS_JSON `lineageHooks: false`.
 */
function enqueuePublishEvent(call: Call<Pick<Deps, 'config' | 'queue' | 'log'>, unknown>, versionId: string): void {
  const { deps, ctx } = call;
  if (deps.config.FEATURE_FLAGS_JSON?.lineageHooks === false) return;
  const job: Job<{ versionId: string; requestId: string }> = { type: 'lineage.publish', payload: { versionId, requestId: ctx.requestId } };
  ctx.waitUntil(
    deps.queue.send([job]).catch((e: unknown) => deps.log.warn('lineage.publish job not sent; the reconcile schedule will emit it', { versionId, error: String(e) })),
  );
}

/**
 * Publishes a version. A replay of the same tx is `existing` and still writes its outbox and
 * audit rows: which case it is is only known after the batch, and re-invalidating is harmless.
 * Either way the `lineage.publish` job is sent (its event is a duplicate the second time).
 */
export async function publish(call: Call<PublishDeps, { rawTx: unknown; manifest: unknown }>): Promise<PublishResult> {
  const { deps, input } = call;
  const prepared = preparePublish({ rawTx: input.rawTx, manifest: input.manifest, now: now(deps) });
  const keys = [cacheKeys.asset(prepared.versionId)];
  if (prepared.producerId) keys.push(cacheKeys.producer(prepared.producerId));
  let results;
  try {
    ({ results } = await write(call, prepared.statements, { keys, tags: [cacheTags.listings(), cacheTags.version(prepared.versionId)] }, {
      action: 'catalog.publish',
      resource: `version:${prepared.versionId}`,
      after: { txid: prepared.txid, datasetId: prepared.manifest.datasetId, producerId: prepared.producerId },
    }));
  } catch (e) {
    throw publishConflictFrom(e, prepared) ?? e;
  }
  const outcome = interpretPublishResult(prepared, results);
  enqueuePublishEvent(call, prepared.versionId);
  return { status: outcome, txid: prepared.txid, versionId: prepared.versionId, opretVout: prepared.vout };
}

const PRODUCERS_TAG = cacheTags.of('producers');

/** Registers (or updates) the producer of the caller's verified identity key. */
export async function registerProducerVerb(call: Call<CatalogWriteDeps, { body: unknown }>) {
  const { deps, ctx, input } = call;
  const identityKey = identityKeyOf(ctx);
  if (!identityKey) throw new StrataError('unauthorized', 'Producer registration must be identity-signed.', { hint: 'missing/invalid X-Identity-Key' });
  const reg = registerProducer(identityKey, input.body, now(deps));
  await write(call, reg.statements, { keys: [cacheKeys.producer(reg.producerId)], tags: [PRODUCERS_TAG] }, {
    action: 'catalog.producer.register',
    resource: `producer:${reg.producerId}`,
  });
  return { status: 'ok' as const, producerId: reg.producerId };
}

/**
 * Registers an agent (see registerAgent for who may write which agent). The webhook's host is
 * resolved now and refused unless every address is public; a sender checks again at call time.
 */
export async function registerAgentVerb(call: Call<CatalogWriteDeps & Pick<Deps, 'resolveHost'>, { body: unknown }>) {
  const { deps, ctx, input } = call;
  const reg = registerAgent(input.body, now(deps), identityKeyOf(ctx));
  await resolveWebhookTarget((input.body as { webhookUrl: string }).webhookUrl, deps.resolveHost, 'body.webhookUrl');
  const { results } = await write(call, reg.statements, { keys: [cacheKeys.agent(reg.agentId)], tags: [cacheTags.agents()] }, {
    action: 'catalog.agent.register',
    resource: `agent:${reg.agentId}`,
  });
  interpretRegisterResult(results[0] ?? []);
  return { status: 'ok' as const, agentId: reg.agentId };
}

/** Records a ping (status `up`). An agent registered with an identity key only accepts pings signed by it. */
export async function pingAgentVerb(call: Call<CatalogWriteDeps, { agentId: string }>) {
  const { deps, ctx, input } = call;
  const agent = await getAgent(deps.sql, parseAgentId(input.agentId, ['path', 'id']));
  if (!agent) throw new StrataError('not-found', 'No agent has this id.', { hint: 'agent not found' });
  if (agent.identityKey && agent.identityKey !== identityKeyOf(ctx)?.toLowerCase()) {
    throw new StrataError('forbidden', 'This agent only accepts pings signed by its identity key.', { hint: 'identity-mismatch' });
  }
  const { results } = await write(call, [pingAgent(agent.agentId, now(deps))], { keys: [cacheKeys.agent(agent.agentId)], tags: [cacheTags.agents()] }, {
    action: 'catalog.agent.ping',
    resource: `agent:${agent.agentId}`,
  });
  interpretPingResult(results[0] ?? []);
  return { status: 'ok' as const };
}

// ---------------------------------------------------------------------------------------------
// Cached reads. Every read passes the request's waitUntil so fills outlive the response.

/**
 * A cache-key parameter for free text: the text itself when short, else its hash under another
 * name (cache keys are bounded, and a hash cannot collide with a literal under a different name).
 */
function textParam(name: string, v: string | undefined): Record<string, string> {
  if (v === undefined) return {};
  return encodeURIComponent(v).length <= 200 ? { [name]: v } : { [`${name}Hash`]: sha256Hex(v) };
}

const invalidQuery = (issues: readonly SchemaIssue[]): StrataError => invalidInput(['query'], issues, 'Invalid query.');

/** One listing's detail (null → not found, cached briefly as such). */
export function getListingCached(call: Call<CatalogReadDeps, { versionId: string }>): Promise<CacheResult<ListingDetail>> {
  const { deps, ctx } = call;
  const v = parseVersionId(call.input.versionId, ['path', 'versionId']);
  return deps.cache.get('assets', cacheKeys.asset(v), () => getListing(deps.sql, v), { waitUntil: ctx.waitUntil });
}

export type { ListingsPage } from './schema';

/**
 * One listings page. The key holds the NORMALISED search (the tsquery the repo will run), so
 * `Weather`, `weather ` and `WEATHER!` share one entry.
 */
export async function listListingsCached(call: Call<CatalogReadDeps, ListingQuery>): Promise<CacheResult<ListingsPage>> {
  const { deps, ctx } = call;
  const r = ListingQuery.safeParse(call.input);
  if (!r.success) throw invalidQuery(r.error.issues);
  const q = r.data;
  const text = q.q !== undefined && q.q.trim() !== '' ? q.q : undefined;
  const tsq = text === undefined ? undefined : searchTsquery(text);
  if (tsq === null) return { value: { items: [], limit: q.limit, offset: q.offset }, status: 'miss', tier: 'origin' };
  const key = cacheKeys.listings({
    ...textParam('q', tsq),
    ...textParam('datasetId', q.datasetId),
    producerId: q.producerId,
    limit: q.limit,
    offset: q.offset,
  });
  const loader = () => searchListings(deps.sql, { ...q, q: text });
  return deps.cache.get('listings', key, loader, { tags: [cacheTags.listings()], waitUntil: ctx.waitUntil });
}

/** A producer profile (null → not found). */
export function getProducerCached(call: Call<CatalogReadDeps, { producerId: string }>): Promise<CacheResult<Producer>> {
  const { deps, ctx } = call;
  const id = parseProducerId(call.input.producerId, ['path', 'id']);
  return deps.cache.get('producers', cacheKeys.producer(id), () => getProducer(deps.sql, id), { waitUntil: ctx.waitUntil });
}

/** The producer of a dataset's latest version; stale once anything is published or a producer changes. */
export function getProducerByDatasetCached(call: Call<CatalogReadDeps, { datasetId: string }>): Promise<CacheResult<Producer>> {
  const { deps, ctx } = call;
  const { datasetId } = call.input;
  if (datasetId.length === 0 || datasetId.length > 256) {
    throw new StrataError('bad-request', 'datasetId must be 1..256 characters.', { hint: 'datasetId', issues: [{ path: 'query.datasetId', message: 'must be 1..256 characters' }] });
  }
  const key = cacheKeys.producer(`ds.${sha256Hex(datasetId)}`);
  return deps.cache.get('producers', key, () => getProducerByDataset(deps.sql, datasetId), {
    tags: [cacheTags.listings(), PRODUCERS_TAG],
    waitUntil: ctx.waitUntil,
  });
}

/** One agent (null → not found). */
export function getAgentCached(call: Call<CatalogReadDeps, { agentId: string }>): Promise<CacheResult<Agent>> {
  const { deps, ctx } = call;
  const id = parseAgentId(call.input.agentId, ['path', 'id']);
  return deps.cache.get('agents', cacheKeys.agent(id), () => getAgent(deps.sql, id), { waitUntil: ctx.waitUntil });
}

/** One agent search page, keyed by the normalised (trimmed, lower-cased) name filter. */
export function searchAgentsCached(call: Call<CatalogReadDeps, AgentSearch>): Promise<CacheResult<{ items: Agent[]; limit: number; offset: number }>> {
  const { deps, ctx } = call;
  const r = AgentSearch.safeParse(call.input);
  if (!r.success) throw invalidQuery(r.error.issues);
  const q = r.data.q?.trim().toLowerCase() || undefined;
  const key = cacheKeys.agentSearch({ ...textParam('q', q), ...textParam('capability', r.data.capability), limit: r.data.limit, offset: r.data.offset });
  return deps.cache.get('agents', key, () => searchAgents(deps.sql, { ...r.data, q }), { tags: [cacheTags.agents()], waitUntil: ctx.waitUntil });
}
