/**
 * The D28 rule table, in the seed's pipeline order (SPV → provenance/lineage → compliance →
 * content → economics → quality → MLOps → security). Each rule names its policy key, its reason
 * code and severity, how it reads its input from the facts, and the check itself. The reason
 * codes are the seed's (IMPL) plus its SPEC-only codes.
 */
import type { PolicyFacts, Fact, LineageFacts, AnonymizationFact } from './facts';
import { isUnavailable } from './facts';
import type { AnonymizationLevel, Policy, PolicyKey, Severity } from './schema';

export const FAMILIES = ['spv', 'provenance', 'compliance', 'content', 'economics', 'quality', 'mlops', 'security'] as const;
export type Family = (typeof FAMILIES)[number];

export interface CheckResult {
  readonly violated: boolean;
  /** Values checked, merged into the decision's evidence. */
  readonly evidence: Record<string, unknown>;
  /** Overrides the rule's severity or code for this outcome (escalation, incomplete lineage). */
  readonly severity?: Severity;
  readonly code?: string;
}

export interface Rule {
  readonly key: PolicyKey;
  readonly family: Family;
  readonly code: string;
  readonly severity: Severity;
  /** False when the policy value does not switch the rule on (e.g. `allowRecalled: true`). */
  readonly active: (value: unknown) => boolean;
  /** The rule's input: absent → skipped, unavailable → warn. */
  readonly input: (f: PolicyFacts) => Fact<unknown>;
  readonly check: (value: never, input: never) => CheckResult;
}

function rule<K extends PolicyKey, I>(r: {
  key: K;
  family: Family;
  code: string;
  severity?: Severity;
  active?: (value: NonNullable<Policy[K]>) => boolean;
  input: (f: PolicyFacts) => Fact<I>;
  check: (value: NonNullable<Policy[K]>, input: I) => CheckResult;
}): Rule {
  return { severity: 'block', active: () => true, ...r } as unknown as Rule;
}

const norm = (s: string) => s.trim().toLowerCase();
const inList = (list: readonly string[], v: string) => list.some((x) => norm(x) === norm(v));
const mimeBase = (m: string) => norm(m.split(';')[0] ?? m);

/** EU member states (ISO 3166-1 alpha-2), so a policy allowing `EU` admits `DE`. */
const EU = new Set('at be bg hr cy cz dk ee fi fr de gr hu ie it lv lt lu mt nl pl pt ro sk si es se'.split(' '));
function geoAllowed(list: readonly string[], geo: string): boolean {
  const g = norm(geo);
  return list.some((x) => norm(x) === g || (norm(x) === 'eu' && EU.has(g)));
}

function anonMeets(min: AnonymizationLevel, got: AnonymizationFact): boolean {
  if (norm(got.type) !== min.type) return false;
  if (min.type === 'k-anon') return got.k !== undefined && got.k >= (min.k ?? 1);
  return got.epsilon !== undefined && got.epsilon <= (min.epsilon ?? Infinity);
}

const producerRefs = (f: PolicyFacts): Fact<string[]> => {
  if (isUnavailable(f.producerKey)) return f.producerKey;
  if (isUnavailable(f.producerId)) return f.producerId;
  const refs = [f.producerKey, f.producerId].filter((x): x is string => typeof x === 'string').map(norm);
  return refs.length > 0 ? refs : undefined;
};

const lessThan = (code: string, family: Family, fact: keyof PolicyFacts, key: PolicyKey, severity: Severity = 'block') =>
  rule<PolicyKey, number>({ key, family, code, severity, input: (f) => f[fact] as Fact<number>,
    check: (min, v) => ({ violated: v < (min as number), evidence: { [fact]: v } }) });
const moreThan = (code: string, family: Family, fact: keyof PolicyFacts, key: PolicyKey, severity: Severity = 'block') =>
  rule<PolicyKey, number>({ key, family, code, severity, input: (f) => f[fact] as Fact<number>,
    check: (max, v) => ({ violated: v > (max as number), evidence: { [fact]: v } }) });
const equals = (code: string, family: Family, fact: keyof PolicyFacts, key: PolicyKey, fold = (s: string) => s) =>
  rule<PolicyKey, string>({ key, family, code, input: (f) => f[fact] as Fact<string>,
    check: (want, v) => ({ violated: fold(v) !== fold(want as string), evidence: { [fact]: v } }) });

export const RULES: readonly Rule[] = [
  // 1. SPV / recall
  lessThan('POLICY.SPV.CONFS_TOO_LOW', 'spv', 'confirmations', 'minConfs'),
  rule<'allowRecalled', boolean>({ key: 'allowRecalled', family: 'spv', code: 'POLICY.SPV.RECALLED_BLOCKED', active: (allow) => allow === false,
    input: (f) => f.recalled, check: (_a, recalled) => ({ violated: recalled, evidence: { recalled } }) }),
  // 2. provenance / lineage
  rule<'classificationAllowList', string>({ key: 'classificationAllowList', family: 'provenance', code: 'POLICY.PROVENANCE.CLASSIFICATION_NOT_ALLOWED',
    input: (f) => f.classification, check: (list, c) => ({ violated: !inList(list, c), evidence: { classification: c } }) }),
  rule<'producerAllowList', string[]>({ key: 'producerAllowList', family: 'provenance', code: 'POLICY.PRODUCER.NOT_ALLOWED',
    input: producerRefs, check: (list, refs) => ({ violated: !refs.some((r) => list.includes(r)), evidence: { producer: refs } }) }),
  rule<'producerBlockList', { refs: string[]; lineage: Fact<LineageFacts> }>({ key: 'producerBlockList', family: 'provenance', code: 'POLICY.PRODUCER.BLOCK_LISTED',
    input: (f) => { const refs = producerRefs(f); return refs === undefined || isUnavailable(refs) ? refs : { refs, lineage: f.lineage }; },
    check: (list, { refs, lineage }) => {
      // an upstream producer on the block list taints the version as much as its own producer
      const upstream = lineage && !isUnavailable(lineage) ? lineage.producers.map(norm) : [];
      const hits = [...new Set([...refs, ...upstream].filter((r) => list.includes(r)))];
      return { violated: hits.length > 0, evidence: { producer: refs, blockListedProducers: hits } };
    } }),
  rule<'maxLineageDepth', LineageFacts>({ key: 'maxLineageDepth', family: 'provenance', code: 'POLICY.LINEAGE.TOO_DEEP',
    input: (f) => f.lineage, check: (max, l) => {
      if (l.depth > max) return { violated: true, evidence: { lineageDepth: l.depth, lineageComplete: l.complete } };
      // parents outside the catalog may go deeper than what we saw: not provable either way
      return { violated: !l.complete, severity: 'warn', code: 'POLICY.LINEAGE.INCOMPLETE', evidence: { lineageDepth: l.depth, lineageComplete: l.complete } };
    } }),
  rule<'requiredAncestor', LineageFacts>({ key: 'requiredAncestor', family: 'provenance', code: 'POLICY.LINEAGE.MISSING_ANCESTOR',
    input: (f) => f.lineage, check: (want, l) => {
      const has = l.versionIds.includes(want);
      const evidence = { hasRequiredAncestor: has, lineageComplete: l.complete };
      if (has || l.complete) return { violated: !has, evidence };
      return { violated: true, severity: 'warn', code: 'POLICY.LINEAGE.INCOMPLETE', evidence };
    } }),
  // 3. compliance
  rule<'licenseAllowList', string>({ key: 'licenseAllowList', family: 'compliance', code: 'POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED',
    input: (f) => f.license, check: (list, l) => ({ violated: !inList(list, l), evidence: { license: l } }) }),
  rule<'piiFlagsBlockList', readonly string[]>({ key: 'piiFlagsBlockList', family: 'compliance', code: 'POLICY.COMPLIANCE.PII_BLOCKED',
    input: (f) => f.piiFlags, check: (list, flags) => ({ violated: flags.some((x) => inList(list, x)), evidence: { piiFlags: flags } }) }),
  rule<'geoOriginAllowList', string>({ key: 'geoOriginAllowList', family: 'compliance', code: 'POLICY.COMPLIANCE.GEO_NOT_ALLOWED',
    input: (f) => f.geoOrigin, check: (list, g) => ({ violated: !geoAllowed(list, g), evidence: { geoOrigin: g } }) }),
  // 4. content
  equals('POLICY.CONTENT.SCHEMA_MISMATCH', 'content', 'schemaHash', 'requiredSchemaHash', norm),
  rule<'requiredMimeTypes', string>({ key: 'requiredMimeTypes', family: 'content', code: 'POLICY.CONTENT.MIME_NOT_ALLOWED',
    input: (f) => f.mimeType, check: (list, m) => ({ violated: !list.some((x) => mimeBase(x) === mimeBase(m)), evidence: { mimeType: m } }) }),
  rule<'requiredOntologyTags', readonly string[]>({ key: 'requiredOntologyTags', family: 'content', code: 'POLICY.CONTENT.TAGS_MISSING',
    input: (f) => f.ontologyTags, check: (want, tags) => {
      const missing = want.filter((t) => !inList(tags, t));
      return { violated: missing.length > 0, evidence: { ontologyTags: tags, missingTags: missing } };
    } }),
  // 5. economics / ops
  moreThan('POLICY.ECON.PRICE_PER_BYTE_EXCEEDED', 'economics', 'pricePerByte', 'maxPricePerByte'),
  moreThan('POLICY.ECON.LINEAGE_COST_EXCEEDED', 'economics', 'lineageCostSatoshis', 'maxTotalCostForLineage'),
  moreThan('POLICY.ECON.DATA_TOO_OLD', 'economics', 'dataAgeSeconds', 'maxDataAgeSeconds'),
  rule<'minProducerUptime', number>({ key: 'minProducerUptime', family: 'economics', code: 'POLICY.ECON.UPTIME_TOO_LOW', severity: 'warn',
    input: (f) => f.producerUptime, check: (min, up) => {
      const limit = typeof min === 'number' ? min : min.value;
      return { violated: up < limit, evidence: { producerUptime: up }, severity: typeof min === 'number' ? 'warn' : min.severity };
    } }),
  rule<'requiresBillingAccount', boolean>({ key: 'requiresBillingAccount', family: 'economics', code: 'POLICY.ECON.BILLING_REQUIRED', active: (r) => r === true,
    input: (f) => f.hasBillingAccount, check: (_r, has) => ({ violated: !has, evidence: { hasBillingAccount: has } }) }),
  // 6. quality
  lessThan('POLICY.QA.ROWS_TOO_FEW', 'quality', 'rowCount', 'minRowCount'),
  moreThan('POLICY.QA.ROWS_TOO_MANY', 'quality', 'rowCount', 'maxRowCount'),
  moreThan('POLICY.QA.NULL_PERCENT_EXCEEDED', 'quality', 'nullPercentage', 'maxNullValuePercentage', 'warn'),
  equals('POLICY.QA.PROFILE_HASH_MISMATCH', 'quality', 'distributionProfileHash', 'requiredDistributionProfileHash', norm),
  moreThan('POLICY.QA.OUTLIER_TOO_HIGH', 'quality', 'outlierScore', 'maxOutlierScore', 'warn'),
  lessThan('POLICY.QA.UNIQUENESS_TOO_LOW', 'quality', 'uniquenessRatio', 'minUniquenessRatio', 'warn'),
  // 7. MLOps
  equals('POLICY.MLOPS.FEATURE_SET_MISSING', 'mlops', 'featureSetId', 'requiredFeatureSetId'),
  rule<'requiresValidSplit', string>({ key: 'requiresValidSplit', family: 'mlops', code: 'POLICY.MLOPS.SPLIT_INVALID', active: (r) => r === true,
    input: (f) => f.split, check: (_r, s) => ({ violated: !['train', 'val', 'test'].includes(norm(s)), evidence: { split: s } }) }),
  moreThan('POLICY.MLOPS.BIAS_TOO_HIGH', 'mlops', 'biasScore', 'maxBiasScore'),
  moreThan('POLICY.MLOPS.DRIFT_TOO_HIGH', 'mlops', 'driftScore', 'maxDriftScore', 'warn'),
  equals('POLICY.MLOPS.PARENT_MODEL_MISMATCH', 'mlops', 'parentModelId', 'requiredParentModelId'),
  // 8. security
  rule<'blockIfInThreatFeed', boolean>({ key: 'blockIfInThreatFeed', family: 'security', code: 'POLICY.SEC.THREAT_FEED_BLOCK', active: (b) => b === true,
    input: (f) => f.threatFeedMatch, check: (_b, hit) => ({ violated: hit, evidence: { threatFeedMatch: hit } }) }),
  rule<'minAnonymizationLevel', AnonymizationFact>({ key: 'minAnonymizationLevel', family: 'security', code: 'POLICY.SEC.ANON_LEVEL_TOO_LOW',
    input: (f) => f.anonymization, check: (min, got) => ({ violated: !anonMeets(min, got), evidence: { anonymization: got } }) }),
];

/** Every reason code a rule can produce (rule codes, incomplete lineage, and the unavailable-input warnings). */
export const REASON_CODES: readonly string[] = [
  ...new Set([...RULES.map((r) => r.code), 'POLICY.LINEAGE.INCOMPLETE', ...RULES.map((r) => unavailableCode(r.code))]),
];

/** The warning for a rule whose input could not be obtained: `POLICY.<AREA>.INPUT_UNAVAILABLE`. */
export function unavailableCode(code: string): string {
  return `${code.split('.').slice(0, 2).join('.')}.INPUT_UNAVAILABLE`;
}
