/**
 * The D28 policy document (`policies.doc`). Every rule is optional; a key the evaluator does
 * not know is rejected with its path, so a typo (`minConf`) can never silently turn a rule off.
 */
import { z } from 'zod';
import { fieldIssues, StrataError, type InputAt } from '../errors';

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
    type: z.enum(['k-anon', 'dp']).meta({ description: '`k-anon` (k-anonymity) or `dp` (differential privacy).' }),
    k: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'k-anon: the smallest k accepted (required for k-anon).' }),
    epsilon: z.number().positive().max(1000).optional().meta({ description: 'dp: the largest epsilon accepted (required for dp).' }),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'k-anon' && a.k === undefined) ctx.addIssue({ code: 'custom', path: ['k'], message: 'k-anon needs k' });
    if (a.type === 'dp' && a.epsilon === undefined) ctx.addIssue({ code: 'custom', path: ['epsilon'], message: 'dp needs epsilon' });
  });
export type AnonymizationLevel = z.infer<typeof AnonymizationLevel>;

/** Documentation of one rule: what it checks, its reason code and severity (rules.ts). */
const rule = (what: string, code: string, severity: Severity = 'block') => ({ description: `${what} Reason \`${code}\`, ${severity}.` });

/** A policy as documented in the API reference (a test checks it parses). */
export const POLICY_EXAMPLE = {
  minConfs: 1,
  allowRecalled: false,
  classificationAllowList: ['public', 'internal'],
  licenseAllowList: ['CC-BY-4.0', 'MIT'],
  piiFlagsBlockList: ['health'],
  maxLineageDepth: 10,
  minProducerUptime: { value: 99, severity: 'block' },
};

export const Policy = z
  .strictObject({
    // 1. SPV / recall
    minConfs: Count.max(1_000_000).optional().meta(rule('Fewest block confirmations of the declaring transaction.', 'POLICY.SPV.CONFS_TOO_LOW')),
    allowRecalled: z.boolean().optional().meta(rule('`false` refuses a version an advisory recalled.', 'POLICY.SPV.RECALLED_BLOCKED')),
    // 2. provenance / lineage
    classificationAllowList: List.optional().meta(rule('Manifest `policy.classification` values allowed (case-insensitive).', 'POLICY.PROVENANCE.CLASSIFICATION_NOT_ALLOWED')),
    producerAllowList: z.array(ProducerRef).max(1024).optional().meta(rule('Producers allowed, by identity key or producer id.', 'POLICY.PRODUCER.NOT_ALLOWED')),
    producerBlockList: z.array(ProducerRef).max(1024).optional().meta(rule('Producers refused, by identity key or producer id; a block-listed producer anywhere upstream counts too.', 'POLICY.PRODUCER.BLOCK_LISTED')),
    maxLineageDepth: Count.max(1000).optional().meta(rule('Deepest ancestry allowed (parent hops); a lineage that leaves the catalog warns `POLICY.LINEAGE.INCOMPLETE`.', 'POLICY.LINEAGE.TOO_DEEP')),
    requiredAncestor: Hex64.optional().meta(rule('A versionId that must be in the version’s lineage.', 'POLICY.LINEAGE.MISSING_ANCESTOR')),
    // 3. compliance
    licenseAllowList: List.optional().meta(rule('Manifest `policy.license` values allowed (case-insensitive).', 'POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED')),
    piiFlagsBlockList: List.optional().meta(rule('Manifest `policy.pii_flags` values refused.', 'POLICY.COMPLIANCE.PII_BLOCKED')),
    geoOriginAllowList: List.optional().meta(rule('Countries of origin allowed (ISO 3166-1 alpha-2; `EU` admits every member state).', 'POLICY.COMPLIANCE.GEO_NOT_ALLOWED')),
    // 4. content
    requiredSchemaHash: Hex64.optional().meta(rule('The manifest’s `content.schema.schemaHash` must equal this.', 'POLICY.CONTENT.SCHEMA_MISMATCH')),
    requiredMimeTypes: List.optional().meta(rule('Media types allowed for `content.mimeType` (parameters ignored).', 'POLICY.CONTENT.MIME_NOT_ALLOWED')),
    requiredOntologyTags: List.optional().meta(rule('Tags the version must carry, all of them.', 'POLICY.CONTENT.TAGS_MISSING')),
    // 5. economics / ops
    maxPricePerByte: NonNeg.optional().meta(rule('Highest price per byte, in satoshis.', 'POLICY.ECON.PRICE_PER_BYTE_EXCEEDED')),
    maxTotalCostForLineage: NonNeg.optional().meta(rule('Highest total price of the version and its lineage, in satoshis.', 'POLICY.ECON.LINEAGE_COST_EXCEEDED')),
    maxDataAgeSeconds: Count.optional().meta(rule('Oldest `provenance.createdAt` allowed, in seconds before now.', 'POLICY.ECON.DATA_TOO_OLD')),
    /** A number warns (the seed's default); `{value, severity:'block'}` escalates, as the SPEC allows. */
    minProducerUptime: z
      .union([
        Percent,
        z.strictObject({ value: Percent.meta({ description: 'Lowest uptime, percent.' }), severity: Severity.meta({ description: '`block` blocks below it, `warn` warns.' }) }),
      ])
      .optional()
      .meta({ description: 'Lowest producer uptime, percent. A number warns; `{value, severity: "block"}` blocks. Reason `POLICY.ECON.UPTIME_TOO_LOW`.' }),
    requiresBillingAccount: z.boolean().optional().meta(rule('`true` requires the consumer to have a billing account.', 'POLICY.ECON.BILLING_REQUIRED')),
    // 6. quality
    minRowCount: Count.optional().meta(rule('Fewest rows.', 'POLICY.QA.ROWS_TOO_FEW')),
    maxRowCount: Count.optional().meta(rule('Most rows (at least `minRowCount`).', 'POLICY.QA.ROWS_TOO_MANY')),
    maxNullValuePercentage: Percent.optional().meta(rule('Highest share of null values, percent.', 'POLICY.QA.NULL_PERCENT_EXCEEDED', 'warn')),
    requiredDistributionProfileHash: HashHex.optional().meta(rule('The distribution profile hash must equal this (16–128 hex).', 'POLICY.QA.PROFILE_HASH_MISMATCH')),
    maxOutlierScore: NonNeg.optional().meta(rule('Highest outlier score.', 'POLICY.QA.OUTLIER_TOO_HIGH', 'warn')),
    minUniquenessRatio: z.number().min(0).max(1).optional().meta(rule('Lowest uniqueness ratio, 0–1.', 'POLICY.QA.UNIQUENESS_TOO_LOW', 'warn')),
    // 7. MLOps
    requiredFeatureSetId: Label.optional().meta(rule('The feature set id must equal this.', 'POLICY.MLOPS.FEATURE_SET_MISSING')),
    requiresValidSplit: z.boolean().optional().meta(rule('`true` requires the split to be `train`, `val` or `test`.', 'POLICY.MLOPS.SPLIT_INVALID')),
    maxBiasScore: NonNeg.optional().meta(rule('Highest bias score.', 'POLICY.MLOPS.BIAS_TOO_HIGH')),
    maxDriftScore: NonNeg.optional().meta(rule('Highest drift score.', 'POLICY.MLOPS.DRIFT_TOO_HIGH', 'warn')),
    requiredParentModelId: Label.optional().meta(rule('The parent model id must equal this.', 'POLICY.MLOPS.PARENT_MODEL_MISMATCH')),
    // 8. security
    blockIfInThreatFeed: z.boolean().optional().meta(rule('`true` refuses a version named in the threat feed.', 'POLICY.SEC.THREAT_FEED_BLOCK')),
    minAnonymizationLevel: AnonymizationLevel.optional().meta(
      rule('Weakest anonymisation accepted: `{type: "k-anon", k}` (k at least this) or `{type: "dp", epsilon}` (epsilon at most this).', 'POLICY.SEC.ANON_LEVEL_TOO_LOW'),
    ),
  })
  .superRefine((p, ctx) => {
    if (p.minRowCount !== undefined && p.maxRowCount !== undefined && p.minRowCount > p.maxRowCount) {
      ctx.addIssue({ code: 'custom', path: ['maxRowCount'], message: 'must be at least minRowCount' });
    }
  })
  .meta({
    description:
      'A D28 policy document. Every rule is optional and unknown keys are refused (a typo never turns a rule off silently). Rules run in order SPV → provenance → compliance → content → economics → quality → MLOps → security; each violated rule adds its reason code to `reasons` (block) or `warnings` (warn), and a rule whose input is absent is skipped while one whose input is unavailable warns `POLICY.<AREA>.INPUT_UNAVAILABLE`. The decision is `block` if any reason blocks, else `warn` if any warns, else `allow`.',
    example: POLICY_EXAMPLE,
  });
export type Policy = z.output<typeof Policy>;
export type PolicyKey = keyof Policy;

// ---------------------------------------------------------------------------------------------
// Request and response shapes of /policies (the routes declare these as they are).

/**
 * The `policy` member of a request: any JSON object at this layer; parsePolicy then checks it
 * rule by rule, so its issues carry their own paths (`body.policy.minConfs`). Documented as the
 * PolicyDocument schema (registered from `Policy` by the API document).
 */
export const PolicyObject = z
  .record(z.string(), z.unknown(), { error: 'must be a policy object' })
  .meta({ allOf: [{ $ref: '#/components/schemas/PolicyDocument' }], description: 'A D28 policy document; every rule optional, unknown keys rejected.' });

const PolicyName = z.string().trim().min(1).max(256);
/** POST /policies body. */
export const NewPolicy = z.strictObject({ name: PolicyName, enabled: z.boolean().default(true), policy: PolicyObject });
export type NewPolicy = z.input<typeof NewPolicy>;
/** PATCH /policies/{id} body: the members given change; a new `policy` replaces the document whole. */
export const PolicyPatch = z.strictObject({ name: PolicyName.optional(), enabled: z.boolean().optional(), policy: PolicyObject.optional() });
export type PolicyPatch = z.input<typeof PolicyPatch>;
/** GET /policies query: `enabled=true|false` filters, `limit` (≤ 200) and `offset` page. */
export const PolicyListQuery = z.object({
  enabled: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type PolicyListQuery = z.output<typeof PolicyListQuery>;
/** The `{id}` of /policies/{id}. */
export const PolicyIdParam = z.object({ id: PolicyId.meta({ example: 'pol_0123456789abcdef' }) });
/** POST /policies/evaluate body: a stored policy (`policyId`) or an inline one (`policy`) against `versionId`. */
export const EvaluatePolicyBody = z.object({
  versionId: z.string().meta({ pattern: '^[0-9a-fA-F]{64}$' }),
  policyId: z.string().optional(),
  policy: PolicyObject.optional(),
});
export type EvaluatePolicyBody = z.output<typeof EvaluatePolicyBody>;

/** A stored policy as the API answers it. */
export const PolicyRecord = z.object({
  policyId: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  policy: PolicyObject,
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** A stored policy; its document is parsed (`Policy`), which the wire shape above carries as an object. */
export type PolicyRecord = Readonly<z.infer<typeof PolicyRecord>> & { readonly policy: Policy };

/** The outcome of an evaluation: `block` if any reason blocks, else `warn` if any warns, else `allow`. */
export const PolicyDecision = z.object({
  decision: z.enum(['allow', 'warn', 'block']),
  reasons: z.array(z.string()),
  warnings: z.array(z.string()),
  evidence: z.record(z.string(), z.unknown()),
});
export type PolicyDecision = z.infer<typeof PolicyDecision>;

/**
 * Validates a policy document; throws `validation-failed` naming each offending field where the
 * document sits in the request (`at`, by default the body's `policy`: `body.policy.minConfs`;
 * an unknown key at its own path, so the client sees exactly which key to fix).
 */
export function parsePolicy(input: unknown, at: InputAt = ['body', 'policy']): Policy {
  const r = Policy.safeParse(input);
  if (r.success) return r.data;
  throw new StrataError('validation-failed', 'The policy is not a valid D28 policy document.', {
    issues: fieldIssues(at, r.error.issues),
    hint: 'invalid-policy-json',
  });
}

/** A fresh policy id: `pol_` + 16 random hex. */
export function newPolicyId(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return `pol_${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}
