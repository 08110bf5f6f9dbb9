/**
 * Readiness (D04, D11H): is a version, with its whole lineage, usable now? Never cached. One
 * query (ready-sql.ts) walks the lineage and reads, in the same snapshot, the live facts: the
 * tip, each declared block's header and best-chain flag, the active advisories on every version
 * and producer in it. Each envelope's chain-independent verification was recorded at proof time
 * (spv/envelope-digest.ts, ADR 0052); only its comparison with those live facts runs here, so
 * confirmations, thresholds, reorgs and advisories show on the very next request.
 */
import type { Deps } from '../deps';
import type { Advisory } from '../advisories/schema';
import type { WaitUntil } from '../cache/types';
import { requireConfirmations, verifyEnvelope, type SpvReason, type VerifyResult } from '../spv/envelope';
import { DIGEST_VERSION, digestEnvelope, readDigest, settleDigest, type EnvelopeDigest } from '../spv/envelope-digest';
import { storeChainView } from '../spv/header-store';
import type { ChainHeader, ChainView } from '../spv/envelope';
import { toSpvForm } from './envelope-form';
import { loadReadyFacts, type ReadyNode } from './ready-sql';

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
  /** Where digests computed for declarations proven before migration 0070 are stored; without it they are not stored. */
  readonly waitUntil?: WaitUntil;
}

/** Computes readiness of `versionId` (already validated, lower-case) against the current tip. */
export async function computeReadiness(
  deps: Pick<Deps, 'sql' | 'config' | 'clock'> & Partial<Pick<Deps, 'metrics'>>,
  versionId: string,
  opts: ReadinessOptions = {},
): Promise<Readiness> {
  const minConfs = opts.minConfs ?? deps.config.MIN_CONFS;
  const maxDepth = opts.maxDepth ?? deps.config.BUNDLE_MAX_DEPTH;
  const { nodes, tip, advisories: found } = await loadReadyFacts(deps.sql, versionId, maxDepth, new Date(deps.clock.now()));
  const target = nodes[0];
  const bestHeight = tip?.height ?? null;
  if (!target || target.versionId !== versionId || !target.hasManifest) {
    return { ready: false, reason: 'not-found', confirmations: 0, bestHeight, lineage: { versionIds: [], producers: [], depth: 0, truncated: false }, proofs: [], advisories: [], warnings: [] };
  }
  const versionIds = nodes.map((n) => n.versionId);
  const producers = [...new Set(nodes.flatMap((n) => (n.producerId ? [n.producerId] : [])))].sort();
  const advisories = found;

  let settled = 0;
  let verified = 0;
  const fresh: Array<{ versionId: string; digest: EnvelopeDigest; envelope: unknown }> = [];
  const proofs: ProofStatus[] = [];
  for (const n of nodes) {
    const stored = n.hasProof ? readDigest(n.digest) : null;
    if (!n.hasProof || (stored === null && (n.envelope === null || n.envelope === undefined))) {
      proofs.push(proofStatus(n, false, `missing-envelope:${n.versionId}`, null, null, 0));
      continue;
    }
    let result: VerifyResult;
    if (stored !== null && stored.kind !== 'live') {
      result = settleDigest(stored, { tip, header: headerFor(n, stored) });
      settled++;
    } else {
      // no digest yet (proven before migration 0070) or one that needs the chain (BEEF): verify in full, as before
      const env = toSpvForm(n.envelope);
      result = await verifyEnvelope(env, primedView(deps, n, tip));
      verified++;
      if (stored === null) fresh.push({ versionId: n.versionId, digest: await digestEnvelope(env), envelope: n.envelope });
    }
    const r = requireConfirmations(result, minConfs);
    if (r.ok && n.txid !== null && r.txid !== n.txid) {
      proofs.push(proofStatus(n, false, 'txid-mismatch-declaration', r.blockHash, r.blockHeight, 0));
    } else if (r.ok) {
      proofs.push(proofStatus(n, true, null, r.blockHash, r.blockHeight, r.confirmations));
    } else {
      const reason: SpvReason = r.reason;
      proofs.push(proofStatus(n, false, reason, n.blockHash, n.header?.height ?? null, r.confirmations ?? 0));
    }
  }
  if (settled > 0) deps.metrics?.inc('strata_ready_envelopes_total', { check: 'digest' }, settled);
  if (verified > 0) deps.metrics?.inc('strata_ready_envelopes_total', { check: 'full' }, verified);
  if (fresh.length > 0 && opts.waitUntil) opts.waitUntil(storeDigests(deps, fresh));

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

/**
 * One node's proof status, built as a literal: an object spread here (`{ ...base, ok, … }`) took V8's
 * slow clone path on every node, doubled the allocation of a /ready and made its garbage outlive
 * young-generation collections (ADR 0063).
 */
function proofStatus(n: ReadyNode, ok: boolean, reason: string | null, blockHash: string | null, blockHeight: number | null, confirmations: number): ProofStatus {
  return { versionId: n.versionId, depth: n.depth, txid: n.txid, ok, reason, blockHash, blockHeight, confirmations };
}

/** The store's header for the block a digest names (joined by the query either way). */
function headerFor(n: ReadyNode, d: EnvelopeDigest): (ChainHeader & { onBest: boolean }) | null {
  if (d.kind !== 'proof' || d.blockHash === null) return null;
  if (n.header !== null && n.blockHash === d.blockHash) return n.header;
  return n.digestHeader !== null && n.digestHeader.hash === d.blockHash ? n.digestHeader : null;
}

/** The full verifier's view: the joined header from memory, anything else from the store. */
function primedView(deps: Pick<Deps, 'sql'>, n: ReadyNode, tip: { hash: string; height: number } | null): ChainView {
  const store = storeChainView(deps.sql);
  const known = n.header;
  return {
    headerByHash: (hash) => (known && known.hash === hash.toLowerCase() ? known : store.headerByHash(hash)),
    isOnBestChain: (hash) => (known && known.hash === hash.toLowerCase() ? known.onBest : store.isOnBestChain(hash)),
    // no headerAtHeight, as before: a stored envelope names its block; a BEEF one is refused at proof time
    tip: () => tip,
  };
}

/**
 * Stores digests computed on a read (off the request path). Only while the row still holds the
 * envelope they were computed from and no current digest: a proof replaced meanwhile keeps its own.
 */
async function storeDigests(deps: Pick<Deps, 'sql'>, fresh: ReadonlyArray<{ versionId: string; digest: EnvelopeDigest; envelope: unknown }>): Promise<void> {
  try {
    await deps.sql.query(
      `UPDATE declarations d SET spv_digest = x.digest
         FROM unnest($1::text[], $2::jsonb[], $3::jsonb[]) AS x(version_id, digest, envelope)
        WHERE d.version_id = x.version_id AND d.proof_json = x.envelope
          AND (d.spv_digest IS NULL OR d.spv_digest->>'v' IS DISTINCT FROM $4)`,
      [fresh.map((f) => f.versionId), fresh.map((f) => JSON.stringify(f.digest)), fresh.map((f) => JSON.stringify(f.envelope)), String(DIGEST_VERSION)],
    );
  } catch {
    // derived data: the next read computes it again
  }
}
