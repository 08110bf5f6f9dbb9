/**
 * Request and response shapes of the trust routes (zod): GET /ready, GET /bundle, GET /headers/tip,
 * POST /headers and POST /declarations/{txid}/proof. The routes declare these as they are; core's
 * TypeScript types for them are their z.infer (docs/adr/0054).
 */
import { z } from 'zod';

/** GET /ready query; `versionId`'s shape is checked by parseVersionId (`bad-request`). */
export const ReadyQuery = z.object({
  versionId: z.string().meta({ pattern: '^[0-9a-fA-F]{64}$' }),
  policyId: z.string().regex(/^[A-Za-z0-9_.~-]{1,128}$/, 'expected a policy id such as pol_<hex>').optional(),
});

/** The stored policy's decision as /ready reports it. */
export const PolicyOutcome = z.object({
  decision: z.enum(['allow', 'warn', 'block']),
  reasons: z.array(z.unknown()).readonly(),
  warnings: z.array(z.unknown()).readonly(),
  evidence: z.unknown(),
});
export type PolicyOutcome = z.infer<typeof PolicyOutcome>;

export const ReadyResponse = z.object({
  ready: z.boolean(),
  reason: z.string().nullable().meta({ description: 'advisory-blocked, missing-envelope:<v>, an SPV code, headers-unavailable, policy-blocked or not-found.' }),
  confirmations: z.number().int().meta({ description: 'Minimum over the lineage, computed now.' }),
  bestHeight: z.number().int().nullable(),
  warnings: z.array(z.string()).readonly(),
  policy: PolicyOutcome.optional(),
});
export type ReadyResponse = z.infer<typeof ReadyResponse>;

/** POST /declarations/{txid}/proof answer: the proof as stored. */
export const StoredProof = z.object({
  status: z.literal('confirmed'),
  txid: z.string(),
  versionId: z.string(),
  blockHash: z.string(),
  height: z.number().int(),
  confirmations: z.number().int().meta({ description: 'At the moment of storing; never stored.' }),
});
export type StoredProof = z.infer<typeof StoredProof>;

/** A best-chain tip: height, hash and cumulative work (decimal). */
export const ChainTip = z.object({ height: z.number().int(), hash: z.string(), work: z.string() });

/** GET /headers/tip answer (also the tip /bundle reads). */
export const ServedTip = ChainTip.extend({
  unstable: z.boolean().meta({ description: 'True when the headers source is failing or the store was unreachable: the tip may lag.' }),
});
export type ServedTip = z.infer<typeof ServedTip>;

/** POST /headers answer. */
export const StoreHeadersResult = z.object({
  inserted: z.number().int(),
  tip: ChainTip,
  reorg: z
    .object({
      removed: z.array(z.string()).readonly(),
      added: z.array(z.string()).readonly(),
      forkHeight: z.number().int(),
      versions: z.array(z.string()).readonly().meta({ description: 'Versions (with descendants) whose bundles were invalidated.' }),
    })
    .nullable(),
});
export type StoreHeadersResult = z.infer<typeof StoreHeadersResult>;

/** GET /bundle query; `versionId`'s shape is checked by parseVersionId (`bad-request`). */
export const BundleQuery = z.object({
  versionId: z.string().meta({ pattern: '^[0-9a-fA-F]{64}$' }),
  depth: z.coerce.number().int().min(0).max(100).optional().meta({ description: 'Parent hops to include (default BUNDLE_DEFAULT_DEPTH, at most BUNDLE_MAX_DEPTH).' }),
});

/** The lineage graph of a bundle: its versions (nodes) and child → parent edges. */
export const BundleGraph = z.object({
  nodes: z.array(z.object({ versionId: z.string(), manifestHash: z.string(), txo: z.string() })).readonly(),
  edges: z.array(z.object({ child: z.string(), parent: z.string() })).readonly(),
});

export const BundleManifests = z.array(z.object({ manifestHash: z.string(), manifest: z.record(z.string(), z.unknown()) })).readonly();

/** GET /bundle answer: the D03 bundle with live confirmations, the tip, and `unstable`. */
export const BundleBody = z.object({
  bundleType: z.literal('datasetLineageBundle'),
  target: z.string(),
  graph: BundleGraph,
  manifests: BundleManifests,
  proofs: z.array(z.object({ versionId: z.string(), envelope: z.record(z.string(), z.unknown()).meta({ description: 'The stored SPV envelope plus live `confirmations`.' }) })).readonly(),
  tip: z.object({ height: z.number().int(), hash: z.string() }),
  confirmations: z.number().int().meta({ description: 'Minimum confirmations over the proofs, computed now.' }),
  unstable: z.boolean(),
});
export type BundleBody = z.infer<typeof BundleBody>;
