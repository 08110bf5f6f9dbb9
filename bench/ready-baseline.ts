/**
 * The bench's baseline: readiness as computed before ADR 0052 — lineage (with manifest bodies)
 * and tip in parallel, then advisories, then every envelope re-verified in full on every request.
 * Kept verbatim (bar imports) so `npm run bench:trust` measures the new path against it in the
 * same run; not used by the product.
 */
import type { Deps } from '@strata/core/deps';
import { advisoriesFor } from '@strata/core/advisories/repo';
import { requireConfirmations, verifyEnvelope, type SpvReason } from '@strata/core/spv/envelope';
import { currentTip, primedChainView } from '@strata/core/bundle/chain-view';
import { toSpvForm } from '@strata/core/bundle/envelope-form';
import { loadParentChain } from '@strata/core/bundle/parent-chain-sql';
import type { ProofStatus, Readiness, ReadinessOptions } from '@strata/core/bundle/ready';

/** Computes readiness of `versionId` (already validated, lower-case) against the current tip. */
export async function baselineReadiness(
  deps: Pick<Deps, 'sql' | 'config' | 'clock'>,
  versionId: string,
  opts: ReadinessOptions = {},
): Promise<Readiness> {
  const minConfs = opts.minConfs ?? deps.config.MIN_CONFS;
  const maxDepth = opts.maxDepth ?? deps.config.BUNDLE_MAX_DEPTH;
  const [nodes, tip] = await Promise.all([loadParentChain(deps.sql, versionId, maxDepth), currentTip(deps.sql)]);
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
