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
import type { WaitUntil } from '../cache/types';
import { verifyEnvelope } from '../spv/envelope';
import { currentTip, primedChainView } from './chain-view';
import { toSpvForm, toStoredForm } from './envelope-form';
import { lineageEdges, loadLineage } from './lineage-sql';
import { readTip } from './tip';

const ZERO_TXO = `${'0'.repeat(64)}:0`;

/** What the cache holds: everything but confirmations, plus each proof's block. */
export interface CachedBundle {
  readonly bundleType: 'datasetLineageBundle';
  readonly target: string;
  readonly graph: {
    readonly nodes: ReadonlyArray<{ versionId: string; manifestHash: string; txo: string }>;
    readonly edges: ReadonlyArray<{ child: string; parent: string }>;
  };
  readonly manifests: ReadonlyArray<{ manifestHash: string; manifest: unknown }>;
  readonly proofs: ReadonlyArray<{ versionId: string; envelope: Record<string, unknown>; blockHash: string; blockHeight: number }>;
}

/** The wire body: the D03 bundle with live confirmations, the tip, and `unstable`. */
export interface BundleBody {
  readonly bundleType: 'datasetLineageBundle';
  readonly target: string;
  readonly graph: CachedBundle['graph'];
  readonly manifests: CachedBundle['manifests'];
  readonly proofs: ReadonlyArray<{ versionId: string; envelope: Record<string, unknown> }>;
  readonly tip: { readonly height: number; readonly hash: string };
  /** Minimum confirmations over the proofs (the D11 `confsUsed`). */
  readonly confirmations: number;
  readonly unstable: boolean;
}

export interface BundleResult {
  readonly body: BundleBody;
  /** How the cache served the bundle (`x-cache`). */
  readonly cache: CacheStatus;
}

/** Builds the bundle from Postgres; null when the target is not a published version. */
export async function buildBundle(deps: Pick<Deps, 'sql'>, versionId: string, depth: number): Promise<CachedBundle | null> {
  const [nodes, tip] = await Promise.all([loadLineage(deps.sql, versionId, depth), currentTip(deps.sql)]);
  const target = nodes[0];
  if (!target || target.versionId !== versionId || target.manifest === null) return null;
  for (const n of nodes) {
    if (n.manifest === null) incomplete(`missing-manifest:${n.versionId}`);
    if (n.envelope === null || n.envelope === undefined) incomplete(`missing-envelope:${n.versionId}`);
  }
  const view = primedChainView(deps.sql, nodes, tip);
  const proofs: Array<CachedBundle['proofs'][number]> = [];
  for (const n of nodes) {
    const r = await verifyEnvelope(toSpvForm(n.envelope), view);
    if (!r.ok) {
      if (r.reason === 'headers-unavailable') {
        throw new StrataError('unavailable', 'No block headers are available to verify the lineage.', { hint: 'headers-unavailable' });
      }
      throw new StrataError('invalid-envelope', `The SPV envelope of ${n.versionId} does not verify (${r.reason}).`, {
        hint: `${r.reason}:${n.versionId}`,
      });
    }
    if (n.txid !== null && r.txid !== n.txid) {
      throw new StrataError('invalid-envelope', `The envelope of ${n.versionId} proves another transaction.`, {
        hint: `txid-mismatch-declaration:${n.versionId}`,
      });
    }
    proofs.push({ versionId: n.versionId, envelope: toStoredForm(n.envelope) as Record<string, unknown>, blockHash: r.blockHash, blockHeight: r.blockHeight });
  }
  return {
    bundleType: 'datasetLineageBundle',
    target: versionId,
    graph: {
      nodes: nodes.map((n) => ({ versionId: n.versionId, manifestHash: n.versionId, txo: n.txid ? `${n.txid}:${n.vout ?? 0}` : ZERO_TXO })),
      edges: lineageEdges(nodes),
    },
    manifests: nodes.map((n) => ({ manifestHash: n.versionId, manifest: n.manifest })),
    proofs,
  };
}

function incomplete(hint: string): never {
  throw new StrataError('incomplete-lineage', 'The lineage is incomplete; see the hint for the first missing part.', { hint });
}

/** GET /bundle: the cached bundle (404 `not-found` for an unknown version) with live confirmations. */
export async function getBundle(
  deps: Pick<Deps, 'sql' | 'cache' | 'config'>,
  input: { versionId: string; depth?: number },
  ctx: { waitUntil?: WaitUntil } = {},
): Promise<BundleResult> {
  const depth = input.depth ?? deps.config.BUNDLE_DEFAULT_DEPTH;
  const wu = ctx.waitUntil ? { waitUntil: ctx.waitUntil } : {};
  const res = await deps.cache.get<CachedBundle>('bundles', cacheKeys.bundle(input.versionId, depth), () => buildBundle(deps, input.versionId, depth), {
    tags: [cacheTags.version(input.versionId)],
    lease: true,
    ...wu,
  });
  const bundle = res.value;
  if (bundle === null) throw new StrataError('not-found', `Version ${input.versionId} is not published.`, { hint: 'versionId not found' });
  const tip = await readTip(deps, ctx);
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
