/**
 * The D28 policy document (`policies.doc`). Every rule is optional; a key the evaluator does
 * not know is rejected with its path, so a typo (`minConf`) can never silently turn a rule off.
 */
import { z } from 'zod';
import { StrataError, type FieldIssue } from '../errors';

export const POLICY_ID = /^pol_[0-9a-z_]{1,64}$/;
/** `pol_` + 16 random hex; ids given by operators (e.g. `pol_default`) only need the `pol_` shape. */
export const PolicyId = z.string().regex(POLICY_ID, 'must look like pol_<hex> (lower-case letters, digits, _)');

const lower = (s: string) => s.toLowerCase();
const Hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').transform(lower);
const HashHex = z.string().regex(/^[0-9a-fA-F]{16,128}$/, 'must be 16–128 hex characters').transform(lower);
const Label = z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');
const List = z.array(Label).max(256);
/** A producer is named by its identity key (66 hex) or its producer id (`prod_<16 hex>`). */
const ProducerRef = z
  .string()
  .regex(/^(0[23][0-9a-fA-F]{64}|prod_[0-9a-fA-F]{16})$/, 'must be an identity key (66 hex) or a producer id (prod_<16 hex>)')
  .transform(lower);
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const NonNeg = z.number().min(0).max(1e15);
const Percent = z.number().min(0).max(100);

export const Severity = z.enum(['warn', 'block']);
export type Severity = z.infer<typeof Severity>;

export const AnonymizationLevel = z
  .strictObject({
    type: z.enum(['k-anon', 'dp']),
    k: z.number().int().min(1).max(1_000_000).optional(),
    epsilon: z.number().positive().max(1000).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'k-anon' && a.k === undefined) ctx.addIssue({ code: 'custom', path: ['k'], message: 'k-anon needs k' });
    if (a.type === 'dp' && a.epsilon === undefined) ctx.addIssue({ code: 'custom', path: ['epsilon'], message: 'dp needs epsilon' });
  });
export type AnonymizationLevel = z.infer<typeof AnonymizationLevel>;

export const Policy = z
  .strictObject({
    // 1. SPV / recall
    minConfs: Count.max(1_000_000).optional(),
    allowRecalled: z.boolean().optional(),
    // 2. provenance / lineage
    classificationAllowList: List.optional(),
    producerAllowList: z.array(ProducerRef).max(1024).optional(),
    producerBlockList: z.array(ProducerRef).max(1024).optional(),
    maxLineageDepth: Count.max(1000).optional(),
    requiredAncestor: Hex64.optional(),
    // 3. compliance
    licenseAllowList: List.optional(),
    piiFlagsBlockList: List.optional(),
    geoOriginAllowList: List.optional(),
    // 4. content
    requiredSchemaHash: Hex64.optional(),
    requiredMimeTypes: List.optional(),
    requiredOntologyTags: List.optional(),
    // 5. economics / ops
    maxPricePerByte: NonNeg.optional(),
    maxTotalCostForLineage: NonNeg.optional(),
    maxDataAgeSeconds: Count.optional(),
    /** A number warns (the seed's default); `{value, severity:'block'}` escalates, as the SPEC allows. */
    minProducerUptime: z.union([Percent, z.strictObject({ value: Percent, severity: Severity })]).optional(),
    requiresBillingAccount: z.boolean().optional(),
    // 6. quality
    minRowCount: Count.optional(),
    maxRowCount: Count.optional(),
    maxNullValuePercentage: Percent.optional(),
    requiredDistributionProfileHash: HashHex.optional(),
    maxOutlierScore: NonNeg.optional(),
    minUniquenessRatio: z.number().min(0).max(1).optional(),
    // 7. MLOps
    requiredFeatureSetId: Label.optional(),
    requiresValidSplit: z.boolean().optional(),
    maxBiasScore: NonNeg.optional(),
    maxDriftScore: NonNeg.optional(),
    requiredParentModelId: Label.optional(),
    // 8. security
    blockIfInThreatFeed: z.boolean().optional(),
    minAnonymizationLevel: AnonymizationLevel.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.minRowCount !== undefined && p.maxRowCount !== undefined && p.minRowCount > p.maxRowCount) {
      ctx.addIssue({ code: 'custom', path: ['maxRowCount'], message: 'must be at least minRowCount' });
    }
  });
export type Policy = z.output<typeof Policy>;
export type PolicyKey = keyof Policy;

/** zod issues → field issues under `prefix` (e.g. `body.policy.minConfs`). */
export function policyIssues(issues: readonly { path: PropertyKey[]; message: string; code?: string; keys?: string[] }[], prefix: string): FieldIssue[] {
  const at = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.');
  // an unknown key is reported at its own path, so the client sees exactly which key to fix
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys' && i.keys?.length
      ? i.keys.map((k) => ({ path: at([...i.path, k]), message: 'unknown key' }))
      : [{ path: at(i.path), message: i.message }],
  );
}

/** Validates a policy document; throws `validation-failed` naming each offending field. */
export function parsePolicy(input: unknown, path = 'policy'): Policy {
  const r = Policy.safeParse(input);
  if (r.success) return r.data;
  throw new StrataError('validation-failed', 'The policy is not a valid D28 policy document.', {
    issues: policyIssues(r.error.issues, path),
    hint: 'invalid-policy-json',
  });
}

/** A fresh policy id: `pol_` + 16 random hex. */
export function newPolicyId(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return `pol_${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}
