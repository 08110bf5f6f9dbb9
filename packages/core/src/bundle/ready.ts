/**
 * Readiness (D04, D11H): is a version, with its whole lineage, usable now? Never cached. Walks
 * the lineage (one query, cycle-safe, depth-capped), applies active advisories to every version
 * and producer in it, and verifies every envelope against the CURRENT header store, so
 * confirmations, thresholds and reorgs show at once without any data change.
 */
import type { Deps } from '../deps';
import { advisoriesFor } from '../advisories/repo';
import type { Advisory } from '../advisories/schema';
import { requireConfirmations, verifyEnvelope, type SpvReason } from '../spv/envelope';
import { currentTip, primedChainView } from './chain-view';
import { toSpvForm } from './envelope-form';
import { loadLineage } from './lineage-sql';

export interface ProofStatus {
  readonly versionId: string;
  readonly depth: number;
  readonly txid: string | null;
  readonly ok: boolean;
  /** Null when the envelope verified with enough confirmations. */
  readonly reason: string | null;
  readonly blockHash: string | null;
  readonly blockHeight: number | null;
  readonly confirmations: number;
}

export interface Readiness {
  readonly ready: boolean;
  /** First reason found, in order: not-found, advisory-blocked, headers-unavailable, missing-envelope:<v>, SPV code. */
  readonly reason: string | null;
  /** Minimum over the lineage (a node without a verifying envelope counts 0). */
  readonly confirmations: number;
  /** Best height of the header store, null when it is empty. */
  readonly bestHeight: number | null;
  readonly lineage: {
    readonly versionIds: readonly string[];
    readonly producers: readonly string[];
    /** Deepest level walked. */
    readonly depth: number;
    /** True when the depth cap cut the walk. */
    readonly truncated: boolean;
  };
  readonly proofs: readonly ProofStatus[];
  /** Active advisories touching the lineage (BLOCK and WARN). */
  readonly advisories: readonly Advisory[];
  /** `advisory-warn:<advisoryId>` for each active WARN. */
  readonly warnings: readonly string[];
}

export interface ReadinessOptions {
  /** Confirmations each envelope needs (default MIN_CONFS). */
  readonly minConfs?: number;
  /** Walk cap (default BUNDLE_MAX_DEPTH). */
  readonly maxDepth?: number;
}

/** Computes readiness of `versionId` (already validated, lower-case) against the current tip. */
export async function computeReadiness(
  deps: Pick<Deps, 'sql' | 'config' | 'clock'>,
  versionId: string,
  opts: ReadinessOptions = {},
): Promise<Readiness> {
  const minConfs = opts.minConfs ?? deps.config.MIN_CONFS;
  const maxDepth = opts.maxDepth ?? deps.config.BUNDLE_MAX_DEPTH;
  const [nodes, tip] = await Promise.all([loadLineage(deps.sql, versionId, maxDepth), currentTip(deps.sql)]);
  const target = nodes[0];
  const bestHeight = tip?.height ?? null;
  if (!target || target.versionId !== versionId || target.manifest === null) {
    return { ready: false, reason: 'not-found', confirmations: 0, bestHeight, lineage: { versionIds: [], producers: [], depth: 0, truncated: false }, proofs: [], advisories: [], warnings: [] };
  }
  const versionIds = nodes.map((n) => n.versionId);
  const producers = [...new Set(nodes.flatMap((n) => (n.producerId ? [n.producerId] : [])))].sort();
  const advisories = await advisoriesFor(deps.sql, { versionIds, producerIds: producers }, { activeAt: new Date(deps.clock.now()) });

  const view = primedChainView(deps.sql, nodes, tip);
  const proofs: ProofStatus[] = [];
  for (const n of nodes) {
    const base = { versionId: n.versionId, depth: n.depth, txid: n.txid };
    if (n.envelope === null || n.envelope === undefined) {
      proofs.push({ ...base, ok: false, reason: `missing-envelope:${n.versionId}`, blockHash: null, blockHeight: null, confirmations: 0 });
      continue;
    }
    const r = requireConfirmations(await verifyEnvelope(toSpvForm(n.envelope), view), minConfs);
    if (r.ok && n.txid !== null && r.txid !== n.txid) {
      proofs.push({ ...base, ok: false, reason: 'txid-mismatch-declaration', blockHash: r.blockHash, blockHeight: r.blockHeight, confirmations: 0 });
    } else if (r.ok) {
      proofs.push({ ...base, ok: true, reason: null, blockHash: r.blockHash, blockHeight: r.blockHeight, confirmations: r.confirmations });
    } else {
      const reason: SpvReason = r.reason;
      proofs.push({ ...base, ok: false, reason, blockHash: n.blockHash, blockHeight: n.header?.height ?? null, confirmations: r.confirmations ?? 0 });
    }
  }

  const blocked = advisories.some((a) => a.type === 'BLOCK');
  const failing = proofs.find((p) => !p.ok);
  const reason = blocked ? 'advisory-blocked' : tip === null ? 'headers-unavailable' : (failing?.reason ?? null);
  const confirmations = proofs.reduce((m, p) => Math.min(m, p.confirmations), Number.POSITIVE_INFINITY);
  return {
    ready: reason === null,
    reason,
    confirmations: Number.isFinite(confirmations) ? confirmations : 0,
    bestHeight,
    lineage: {
      versionIds,
      producers,
      depth: nodes.reduce((m, n) => Math.max(m, n.depth), 0),
      truncated: nodes.some((n) => n.truncated),
    },
    proofs,
    advisories,
    warnings: advisories.filter((a) => a.type === 'WARN').map((a) => `advisory-warn:${a.advisoryId}`),
  };
}
