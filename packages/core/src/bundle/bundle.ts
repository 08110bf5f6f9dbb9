/**
 * GET /bundle: the seed's `datasetLineageBundle` (D03) cached per (version, depth) WITHOUT
 * confirmations (D11H). A miss walks the lineage in one query, checks every node has a manifest
 * and an envelope, verifies every envelope against the header store, and caches the result
 * under a Kv lease (one isolate rebuilds). Every response then adds live confirmations from the
 * (briefly cached) tip, so a hit stays a hit while the chain grows.
 */
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import { cacheKeys, cacheTags } from '../cache/keys';
import type { CacheStatus } from '../cache/stats';
import type { Call } from '../context';
import { verifyEnvelope } from '../spv/envelope';
import { currentTip, primedChainView } from './chain-view';
import { toSpvForm, toStoredForm } from './envelope-form';
import { parentChainEdges, loadParentChain } from './parent-chain-sql';
import { readTip } from './tip';
import type { BundleBody } from './schema';

const ZERO_TXO = `${'0'.repeat(64)}:0`;

/** What the cache holds: everything but confirmations, plus each proof's block. */
export interface CachedBundle {
  readonly bundleType: 'datasetLineageBundle';
  readonly target: string;
  readonly graph: BundleBody['graph'];
  readonly manifests: BundleBody['manifests'];
  readonly proofs: ReadonlyArray<{ versionId: string; envelope: Record<string, unknown>; blockHash: string; blockHeight: number }>;
}

/** The wire body (bundle/schema.ts): the D03 bundle with live confirmations, the tip, and `unstable`. */
export type { BundleBody };

export interface BundleResult {
  readonly body: BundleBody;
  /** How the cache served the bundle (`x-cache`). */
  readonly cache: CacheStatus;
}

/**
 * Why a lineage cannot be bundled. Returned as a VALUE by the loader, never thrown: the cache
 * engine treats a throwing loader as an origin outage and would serve the last good (now
 * invalidated) bundle as stale-if-error — exactly wrong after a reorg.
 */
export interface BundleProblem {
  readonly problem: { readonly code: 'incomplete-lineage' | 'invalid-envelope' | 'unavailable'; readonly message: string; readonly hint: string };
}

const problem = (code: BundleProblem['problem']['code'], message: string, hint: string): BundleProblem => ({ problem: { code, message, hint } });

/** Builds the bundle from Postgres; null when the target is not a published version. */
export async function buildBundle(deps: Pick<Deps, 'sql'>, versionId: string, depth: number): Promise<CachedBundle | BundleProblem | null> {
  const [nodes, tip] = await Promise.all([loadParentChain(deps.sql, versionId, depth), currentTip(deps.sql)]);
  const target = nodes[0];
  if (!target || target.versionId !== versionId || target.manifest === null) return null;
  const incomplete = 'The lineage is incomplete; the hint names the first missing part.';
  // every manifest first: a version Strata has never seen explains more than its missing proof
  const manifests: Array<CachedBundle['manifests'][number]> = [];
  for (const n of nodes) {
    if (n.manifest === null) return problem('incomplete-lineage', incomplete, `missing-manifest:${n.versionId}`);
    manifests.push({ manifestHash: n.versionId, manifest: n.manifest });
  }
  for (const n of nodes) {
    if (n.envelope === null || n.envelope === undefined) return problem('incomplete-lineage', incomplete, `missing-envelope:${n.versionId}`);
  }
  const view = primedChainView(deps.sql, nodes, tip);
  const proofs: Array<CachedBundle['proofs'][number]> = [];
  for (const n of nodes) {
    const r = await verifyEnvelope(toSpvForm(n.envelope), view);
    if (!r.ok) {
      if (r.reason === 'headers-unavailable') return problem('unavailable', 'No block headers are available to verify the lineage.', 'headers-unavailable');
      return problem('invalid-envelope', `The SPV envelope of ${n.versionId} does not verify (${r.reason}).`, `${r.reason}:${n.versionId}`);
    }
    if (n.txid !== null && r.txid !== n.txid) {
      return problem('invalid-envelope', `The envelope of ${n.versionId} proves another transaction.`, `txid-mismatch-declaration:${n.versionId}`);
    }
    proofs.push({ versionId: n.versionId, envelope: toStoredForm(n.envelope) as Record<string, unknown>, blockHash: r.blockHash, blockHeight: r.blockHeight });
  }
  return {
    bundleType: 'datasetLineageBundle',
    target: versionId,
    graph: {
      nodes: nodes.map((n) => ({ versionId: n.versionId, manifestHash: n.versionId, txo: n.txid ? `${n.txid}:${n.vout ?? 0}` : ZERO_TXO })),
      edges: parentChainEdges(nodes),
    },
    manifests,
    proofs,
  };
}

/** GET /bundle: the cached bundle (404 `not-found` for an unknown version) with live confirmations. */
export async function getBundle(call: Call<Pick<Deps, 'sql' | 'cache' | 'config'>, { versionId: string; depth?: number }>): Promise<BundleResult> {
  const { deps, ctx, input } = call;
  const depth = input.depth ?? deps.config.BUNDLE_DEFAULT_DEPTH;
  const key = cacheKeys.bundle(input.versionId, depth);
  const res = await deps.cache.get<CachedBundle | BundleProblem>('bundles', key, () => buildBundle(deps, input.versionId, depth), {
    tags: [cacheTags.version(input.versionId)],
    lease: true,
    waitUntil: ctx.waitUntil,
  });
  const bundle = res.value;
  if (bundle === null) throw new StrataError('not-found', `Version ${input.versionId} is not published.`, { hint: 'versionId not found' });
  if ('problem' in bundle) {
    // a problem is fixed by a write that may not touch this key's tags (a parent's publish): never keep it
    await deps.cache.invalidate({ keys: [key] });
    throw new StrataError(bundle.problem.code, bundle.problem.message, { hint: bundle.problem.hint });
  }
  const tip = await readTip({ deps, ctx, input: {} });
  if (tip === null) throw new StrataError('unavailable', 'No block headers are available.', { hint: 'headers-unavailable' });
  let min = Number.POSITIVE_INFINITY;
  const proofs = bundle.proofs.map((p) => {
    const confirmations = Math.max(0, tip.height - p.blockHeight + 1);
    min = Math.min(min, confirmations);
    return { versionId: p.versionId, envelope: { ...p.envelope, confirmations } };
  });
  return {
    body: {
      bundleType: bundle.bundleType,
      target: bundle.target,
      graph: bundle.graph,
      manifests: bundle.manifests,
      proofs,
      tip: { height: tip.height, hash: tip.hash },
      confirmations: Number.isFinite(min) ? min : 0,
      unstable: tip.unstable || res.status === 'stale-if-error',
    },
    cache: res.status,
  };
}
