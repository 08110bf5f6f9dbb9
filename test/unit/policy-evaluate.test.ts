/**
 * The pure D28 evaluator: for every rule family at least one allow, one warn and one block case,
 * block > warn > allow, absent inputs skipped, unavailable inputs degrade to warn with evidence.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '@strata/core/policy/evaluate';
import { unavailable, type PolicyFacts } from '@strata/core/policy/facts';
import { REASON_CODES, RULES, FAMILIES } from '@strata/core/policy/rules';
import { parsePolicy } from '@strata/core/policy/schema';

const KEY_A = `02${'a'.repeat(64)}`;
const KEY_B = `03${'b'.repeat(64)}`;
const V1 = '1'.repeat(64);
const V2 = '2'.repeat(64);

interface Case {
  family: string;
  name: string;
  policy: Record<string, unknown>;
  facts: PolicyFacts;
  decision: 'allow' | 'warn' | 'block';
  code?: string;
}

const lineage = (over: Partial<{ versionIds: string[]; producers: string[]; depth: number; complete: boolean }> = {}) => ({
  versionIds: [V1],
  producers: [],
  depth: 1,
  complete: true,
  ...over,
});

const CASES: Case[] = [
  // 1. SPV / recall
  { family: 'spv', name: 'enough confirmations', policy: { minConfs: 6 }, facts: { confirmations: 6 }, decision: 'allow' },
  { family: 'spv', name: 'too few confirmations', policy: { minConfs: 6 }, facts: { confirmations: 2 }, decision: 'block', code: 'POLICY.SPV.CONFS_TOO_LOW' },
  { family: 'spv', name: 'recalled', policy: { allowRecalled: false }, facts: { recalled: true }, decision: 'block', code: 'POLICY.SPV.RECALLED_BLOCKED' },
  { family: 'spv', name: 'recalled but allowed', policy: { allowRecalled: true }, facts: { recalled: true }, decision: 'allow' },
  { family: 'spv', name: 'headers down', policy: { minConfs: 1 }, facts: { confirmations: unavailable('headers-unavailable') }, decision: 'warn', code: 'POLICY.SPV.INPUT_UNAVAILABLE' },
  // 2. provenance / lineage
  { family: 'provenance', name: 'classification allowed', policy: { classificationAllowList: ['public'] }, facts: { classification: 'public' }, decision: 'allow' },
  { family: 'provenance', name: 'classification refused', policy: { classificationAllowList: ['public'] }, facts: { classification: 'restricted' }, decision: 'block', code: 'POLICY.PROVENANCE.CLASSIFICATION_NOT_ALLOWED' },
  { family: 'provenance', name: 'producer not on allow list', policy: { producerAllowList: [KEY_A] }, facts: { producerKey: KEY_B }, decision: 'block', code: 'POLICY.PRODUCER.NOT_ALLOWED' },
  { family: 'provenance', name: 'producer allowed by id', policy: { producerAllowList: ['prod_0123456789abcdef'] }, facts: { producerKey: KEY_B, producerId: 'prod_0123456789abcdef' }, decision: 'allow' },
  { family: 'provenance', name: 'upstream producer block-listed', policy: { producerBlockList: [KEY_A] }, facts: { producerKey: KEY_B, lineage: lineage({ producers: [KEY_A] }) }, decision: 'block', code: 'POLICY.PRODUCER.BLOCK_LISTED' },
  { family: 'provenance', name: 'a producer off the block list, with clean upstream', policy: { producerBlockList: [KEY_A] }, facts: { producerKey: KEY_B, lineage: lineage({ producers: [KEY_B] }) }, decision: 'allow' },
  { family: 'provenance', name: 'own producer block-listed', policy: { producerBlockList: [KEY_B] }, facts: { producerKey: KEY_B }, decision: 'block', code: 'POLICY.PRODUCER.BLOCK_LISTED' },
  { family: 'provenance', name: 'lineage too deep', policy: { maxLineageDepth: 2 }, facts: { lineage: lineage({ depth: 3 }) }, decision: 'block', code: 'POLICY.LINEAGE.TOO_DEEP' },
  { family: 'provenance', name: 'required ancestor present', policy: { requiredAncestor: V1 }, facts: { lineage: lineage() }, decision: 'allow' },
  { family: 'provenance', name: 'required ancestor missing', policy: { requiredAncestor: V2 }, facts: { lineage: lineage() }, decision: 'block', code: 'POLICY.LINEAGE.MISSING_ANCESTOR' },
  { family: 'provenance', name: 'ancestor unknown, lineage incomplete', policy: { requiredAncestor: V2 }, facts: { lineage: lineage({ complete: false }) }, decision: 'warn', code: 'POLICY.LINEAGE.INCOMPLETE' },
  // 3. compliance
  { family: 'compliance', name: 'license allowed (SPDX ids ignore case)', policy: { licenseAllowList: ['CC-BY-4.0'] }, facts: { license: 'cc-by-4.0' }, decision: 'allow' },
  { family: 'compliance', name: 'license refused', policy: { licenseAllowList: ['MIT'] }, facts: { license: 'proprietary' }, decision: 'block', code: 'POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED' },
  { family: 'compliance', name: 'pii flag blocked', policy: { piiFlagsBlockList: ['has_address'] }, facts: { piiFlags: ['has_address'] }, decision: 'block', code: 'POLICY.COMPLIANCE.PII_BLOCKED' },
  { family: 'compliance', name: 'EU admits a member state', policy: { geoOriginAllowList: ['EU'] }, facts: { geoOrigin: 'DE' }, decision: 'allow' },
  { family: 'compliance', name: 'geo refused', policy: { geoOriginAllowList: ['EU'] }, facts: { geoOrigin: 'US' }, decision: 'block', code: 'POLICY.COMPLIANCE.GEO_NOT_ALLOWED' },
  { family: 'compliance', name: 'a country allow list admits no EU member it does not name', policy: { geoOriginAllowList: ['US', 'CH'] }, facts: { geoOrigin: 'DE' }, decision: 'block', code: 'POLICY.COMPLIANCE.GEO_NOT_ALLOWED' },
  { family: 'compliance', name: 'country codes ignore case and spaces', policy: { geoOriginAllowList: [' ch '] }, facts: { geoOrigin: 'CH' }, decision: 'allow' },
  { family: 'compliance', name: 'EU does not admit a non-member', policy: { geoOriginAllowList: ['EU'] }, facts: { geoOrigin: 'CH' }, decision: 'block', code: 'POLICY.COMPLIANCE.GEO_NOT_ALLOWED' },
  { family: 'compliance', name: 'one blocked pii flag among others blocks', policy: { piiFlagsBlockList: ['ssn'] }, facts: { piiFlags: ['email', 'ssn'] }, decision: 'block', code: 'POLICY.COMPLIANCE.PII_BLOCKED' },
  { family: 'compliance', name: 'pii flags off the block list pass', policy: { piiFlagsBlockList: ['ssn'] }, facts: { piiFlags: ['email', 'phone'] }, decision: 'allow' },
  { family: 'compliance', name: 'geo source down', policy: { geoOriginAllowList: ['EU'] }, facts: { geoOrigin: unavailable('geo lookup: timeout') }, decision: 'warn', code: 'POLICY.COMPLIANCE.INPUT_UNAVAILABLE' },
  // 4. content
  { family: 'content', name: 'mime allowed (parameters ignored)', policy: { requiredMimeTypes: ['text/csv'] }, facts: { mimeType: 'text/csv; charset=utf-8' }, decision: 'allow' },
  { family: 'content', name: 'mime refused', policy: { requiredMimeTypes: ['text/csv'] }, facts: { mimeType: 'application/zip' }, decision: 'block', code: 'POLICY.CONTENT.MIME_NOT_ALLOWED' },
  { family: 'content', name: 'schema mismatch', policy: { requiredSchemaHash: V1 }, facts: { schemaHash: V2 }, decision: 'block', code: 'POLICY.CONTENT.SCHEMA_MISMATCH' },
  { family: 'content', name: 'tags missing', policy: { requiredOntologyTags: ['weather', 'hourly'] }, facts: { ontologyTags: ['weather'] }, decision: 'block', code: 'POLICY.CONTENT.TAGS_MISSING' },
  { family: 'content', name: 'schema registry down', policy: { requiredSchemaHash: V1 }, facts: { schemaHash: unavailable('registry down') }, decision: 'warn', code: 'POLICY.CONTENT.INPUT_UNAVAILABLE' },
  // 5. economics
  { family: 'economics', name: 'fresh and cheap', policy: { maxDataAgeSeconds: 3600, maxPricePerByte: 1 }, facts: { dataAgeSeconds: 60, pricePerByte: 0.5 }, decision: 'allow' },
  { family: 'economics', name: 'too old', policy: { maxDataAgeSeconds: 3600 }, facts: { dataAgeSeconds: 7200 }, decision: 'block', code: 'POLICY.ECON.DATA_TOO_OLD' },
  { family: 'economics', name: 'too expensive', policy: { maxPricePerByte: 0.5 }, facts: { pricePerByte: 2 }, decision: 'block', code: 'POLICY.ECON.PRICE_PER_BYTE_EXCEEDED' },
  { family: 'economics', name: 'lineage too expensive', policy: { maxTotalCostForLineage: 100 }, facts: { lineageCostSatoshis: 101 }, decision: 'block', code: 'POLICY.ECON.LINEAGE_COST_EXCEEDED' },
  { family: 'economics', name: 'no billing account', policy: { requiresBillingAccount: true }, facts: { hasBillingAccount: false }, decision: 'block', code: 'POLICY.ECON.BILLING_REQUIRED' },
  { family: 'economics', name: 'uptime low warns', policy: { minProducerUptime: 99 }, facts: { producerUptime: 95 }, decision: 'warn', code: 'POLICY.ECON.UPTIME_TOO_LOW' },
  { family: 'economics', name: 'uptime low escalated', policy: { minProducerUptime: { value: 99, severity: 'block' } }, facts: { producerUptime: 95 }, decision: 'block', code: 'POLICY.ECON.UPTIME_TOO_LOW' },
  { family: 'economics', name: 'uptime source down', policy: { minProducerUptime: 99 }, facts: { producerUptime: unavailable('uptime: timeout after 1000 ms') }, decision: 'warn', code: 'POLICY.ECON.INPUT_UNAVAILABLE' },
  // 6. quality
  { family: 'quality', name: 'rows in range', policy: { minRowCount: 10, maxRowCount: 100, maxNullValuePercentage: 5 }, facts: { rowCount: 50, nullPercentage: 1 }, decision: 'allow' },
  { family: 'quality', name: 'too few rows', policy: { minRowCount: 10 }, facts: { rowCount: 5 }, decision: 'block', code: 'POLICY.QA.ROWS_TOO_FEW' },
  { family: 'quality', name: 'too many rows', policy: { maxRowCount: 10 }, facts: { rowCount: 11 }, decision: 'block', code: 'POLICY.QA.ROWS_TOO_MANY' },
  { family: 'quality', name: 'profile mismatch', policy: { requiredDistributionProfileHash: 'ab'.repeat(16) }, facts: { distributionProfileHash: 'cd'.repeat(16) }, decision: 'block', code: 'POLICY.QA.PROFILE_HASH_MISMATCH' },
  { family: 'quality', name: 'nulls warn', policy: { maxNullValuePercentage: 1 }, facts: { nullPercentage: 3 }, decision: 'warn', code: 'POLICY.QA.NULL_PERCENT_EXCEEDED' },
  { family: 'quality', name: 'outliers warn', policy: { maxOutlierScore: 1 }, facts: { outlierScore: 2 }, decision: 'warn', code: 'POLICY.QA.OUTLIER_TOO_HIGH' },
  { family: 'quality', name: 'uniqueness warns', policy: { minUniquenessRatio: 0.9 }, facts: { uniquenessRatio: 0.5 }, decision: 'warn', code: 'POLICY.QA.UNIQUENESS_TOO_LOW' },
  // 7. MLOps
  { family: 'mlops', name: 'valid split and feature set', policy: { requiresValidSplit: true, requiredFeatureSetId: 'fs-1' }, facts: { split: 'train', featureSetId: 'fs-1' }, decision: 'allow' },
  { family: 'mlops', name: 'invalid split', policy: { requiresValidSplit: true }, facts: { split: 'holdout' }, decision: 'block', code: 'POLICY.MLOPS.SPLIT_INVALID' },
  { family: 'mlops', name: 'wrong feature set', policy: { requiredFeatureSetId: 'fs-1' }, facts: { featureSetId: 'fs-2' }, decision: 'block', code: 'POLICY.MLOPS.FEATURE_SET_MISSING' },
  { family: 'mlops', name: 'bias too high', policy: { maxBiasScore: 0.3 }, facts: { biasScore: 0.5 }, decision: 'block', code: 'POLICY.MLOPS.BIAS_TOO_HIGH' },
  { family: 'mlops', name: 'wrong parent model', policy: { requiredParentModelId: 'm-1' }, facts: { parentModelId: 'm-2' }, decision: 'block', code: 'POLICY.MLOPS.PARENT_MODEL_MISMATCH' },
  { family: 'mlops', name: 'drift warns', policy: { maxDriftScore: 0.2 }, facts: { driftScore: 0.3 }, decision: 'warn', code: 'POLICY.MLOPS.DRIFT_TOO_HIGH' },
  // 8. security
  { family: 'security', name: 'not on threat feed, k-anon 10', policy: { blockIfInThreatFeed: true, minAnonymizationLevel: { type: 'k-anon', k: 5 } }, facts: { threatFeedMatch: false, anonymization: { type: 'k-anon', k: 10 } }, decision: 'allow' },
  { family: 'security', name: 'on threat feed', policy: { blockIfInThreatFeed: true }, facts: { threatFeedMatch: true }, decision: 'block', code: 'POLICY.SEC.THREAT_FEED_BLOCK' },
  { family: 'security', name: 'k too small', policy: { minAnonymizationLevel: { type: 'k-anon', k: 5 } }, facts: { anonymization: { type: 'k-anon', k: 3 } }, decision: 'block', code: 'POLICY.SEC.ANON_LEVEL_TOO_LOW' },
  { family: 'security', name: 'dp epsilon strong enough', policy: { minAnonymizationLevel: { type: 'dp', epsilon: 1 } }, facts: { anonymization: { type: 'dp', epsilon: 0.5 } }, decision: 'allow' },
  { family: 'security', name: 'threat feed down', policy: { blockIfInThreatFeed: true }, facts: { threatFeedMatch: unavailable('no threat feed configured') }, decision: 'warn', code: 'POLICY.SEC.INPUT_UNAVAILABLE' },
];

describe('evaluateRules: every family', () => {
  it.each(CASES)('$family: $name → $decision', (c) => {
    const r = evaluateRules(parsePolicy(c.policy), c.facts);
    expect(r.decision).toBe(c.decision);
    if (c.decision === 'allow') expect([...r.reasons, ...r.warnings]).toEqual([]);
    if (c.decision === 'block') expect(r.reasons).toContain(c.code);
    if (c.decision === 'warn') {
      expect(r.reasons).toEqual([]);
      expect(r.warnings).toContain(c.code);
    }
  });

  it('covers allow, warn and block for each of the eight families', () => {
    for (const f of FAMILIES) {
      const seen = new Set(CASES.filter((c) => c.family === f).map((c) => c.decision));
      expect([f, [...seen].sort()]).toEqual([f, ['allow', 'block', 'warn']]);
    }
  });

  it('produces every reason code the seed names', () => {
    const seed = [
      'POLICY.SPV.CONFS_TOO_LOW', 'POLICY.SPV.RECALLED_BLOCKED', 'POLICY.PROVENANCE.CLASSIFICATION_NOT_ALLOWED', 'POLICY.PRODUCER.NOT_ALLOWED',
      'POLICY.PRODUCER.BLOCK_LISTED', 'POLICY.LINEAGE.TOO_DEEP', 'POLICY.LINEAGE.MISSING_ANCESTOR', 'POLICY.CONTENT.SCHEMA_MISMATCH',
      'POLICY.CONTENT.MIME_NOT_ALLOWED', 'POLICY.CONTENT.TAGS_MISSING', 'POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED', 'POLICY.COMPLIANCE.PII_BLOCKED',
      'POLICY.COMPLIANCE.GEO_NOT_ALLOWED', 'POLICY.ECON.PRICE_PER_BYTE_EXCEEDED', 'POLICY.ECON.DATA_TOO_OLD', 'POLICY.ECON.UPTIME_TOO_LOW',
      'POLICY.QA.ROWS_TOO_FEW', 'POLICY.QA.ROWS_TOO_MANY', 'POLICY.QA.NULL_PERCENT_EXCEEDED', 'POLICY.MLOPS.FEATURE_SET_MISSING',
      'POLICY.MLOPS.SPLIT_INVALID', 'POLICY.SEC.THREAT_FEED_BLOCK', 'POLICY.ECON.LINEAGE_COST_EXCEEDED', 'POLICY.ECON.BILLING_REQUIRED',
      'POLICY.QA.PROFILE_HASH_MISMATCH', 'POLICY.QA.OUTLIER_TOO_HIGH', 'POLICY.QA.UNIQUENESS_TOO_LOW', 'POLICY.MLOPS.BIAS_TOO_HIGH',
      'POLICY.MLOPS.DRIFT_TOO_HIGH', 'POLICY.MLOPS.PARENT_MODEL_MISMATCH', 'POLICY.SEC.ANON_LEVEL_TOO_LOW',
    ];
    for (const code of seed) expect(REASON_CODES).toContain(code);
    // every case above was produced by the evaluator, and every rule code appears in some case
    const produced = new Set(CASES.map((c) => c.code).filter(Boolean));
    for (const r of RULES) expect([r.key, produced.has(r.code)]).toEqual([r.key, true]);
  });
});

describe('evaluateRules: evidence names only what matched', () => {
  it('a block-listed upstream producer is the only one reported', () => {
    const r = evaluateRules(parsePolicy({ producerBlockList: [KEY_A] }), { producerKey: KEY_B, lineage: lineage({ producers: [KEY_A, KEY_B] }) });
    expect(r.decision).toBe('block');
    expect(r.reasons).toEqual(['POLICY.PRODUCER.BLOCK_LISTED']);
    expect(r.evidence).toMatchObject({ producer: [KEY_B], blockListedProducers: [KEY_A] });
  });
});

describe('evaluateRules: aggregation', () => {
  const strict = parsePolicy({ minConfs: 6, licenseAllowList: ['MIT'], maxNullValuePercentage: 1, minProducerUptime: 99 });

  it('block beats warn beats allow, and both lists keep every code', () => {
    const r = evaluateRules(strict, { confirmations: 1, license: 'MIT', nullPercentage: 5, producerUptime: 50 });
    expect(r.decision).toBe('block');
    expect(r.reasons).toEqual(['POLICY.SPV.CONFS_TOO_LOW']);
    expect(r.warnings).toEqual(['POLICY.ECON.UPTIME_TOO_LOW', 'POLICY.QA.NULL_PERCENT_EXCEEDED']);
    const w = evaluateRules(strict, { confirmations: 9, license: 'MIT', nullPercentage: 5 });
    expect(w.decision).toBe('warn');
    expect(evaluateRules(strict, { confirmations: 9, license: 'MIT', nullPercentage: 0 }).decision).toBe('allow');
  });

  it('skips rules whose input is absent, and says which', () => {
    const r = evaluateRules(strict, { license: 'MIT' });
    expect(r.decision).toBe('allow');
    expect(r.evidence.skipped).toEqual(['minConfs', 'minProducerUptime', 'maxNullValuePercentage']);
    expect(r.evidence.license).toBe('MIT');
  });

  it('degrades an unavailable input to warn and records why in the evidence', () => {
    const r = evaluateRules(strict, { confirmations: unavailable('headers-unavailable'), license: 'GPL-3.0', producerUptime: unavailable('uptime: timeout after 1000 ms') });
    expect(r.decision).toBe('block'); // the license still blocks: an outage only weakens its own rule
    expect(r.warnings).toEqual(['POLICY.SPV.INPUT_UNAVAILABLE', 'POLICY.ECON.INPUT_UNAVAILABLE']);
    expect(r.evidence.unavailable).toEqual({ minConfs: 'headers-unavailable', minProducerUptime: 'uptime: timeout after 1000 ms' });
  });

  it('records the values it checked', () => {
    const r = evaluateRules(parsePolicy({ minConfs: 1, maxLineageDepth: 5, requiredAncestor: V1 }), { versionId: V2, confirmations: 3, lineage: lineage({ depth: 2 }) });
    expect(r.evidence).toMatchObject({ versionId: V2, confirmations: 3, lineageDepth: 2, hasRequiredAncestor: true, lineageComplete: true });
  });

  it('leaves out a whole family on request (the listings preview leaves out SPV)', () => {
    const r = evaluateRules(strict, { confirmations: 0, license: 'MIT' }, { skipFamilies: ['spv'] });
    expect(r.decision).toBe('allow');
    expect(r.evidence.skipped).toContain('minConfs');
  });

  it('an empty policy allows anything', () => {
    expect(evaluateRules(parsePolicy({}), { confirmations: 0, recalled: true, license: 'x' })).toMatchObject({ decision: 'allow', reasons: [], warnings: [] });
  });
});

describe('evaluateRules: each rule at its boundary, with the value it checked in the evidence', () => {
  interface Edge {
    name: string;
    policy: Record<string, unknown>;
    facts: PolicyFacts;
    decision: 'allow' | 'warn' | 'block';
    code?: string;
    evidence?: Record<string, unknown>;
  }
  const EDGES: Edge[] = [
    { name: 'exactly the minimum confirmations', policy: { minConfs: 6 }, facts: { confirmations: 6 }, decision: 'allow', evidence: { confirmations: 6 } },
    { name: 'recalled', policy: { allowRecalled: false }, facts: { recalled: true }, decision: 'block', evidence: { recalled: true } },
    { name: 'classification', policy: { classificationAllowList: ['public'] }, facts: { classification: 'restricted' }, decision: 'block', evidence: { classification: 'restricted' } },
    { name: 'the second entry of a license allow list admits', policy: { licenseAllowList: ['MIT', 'Apache-2.0'] }, facts: { license: 'apache-2.0' }, decision: 'allow', evidence: { license: 'apache-2.0' } },
    { name: 'the second entry of a producer allow list admits', policy: { producerAllowList: [KEY_A, KEY_B] }, facts: { producerKey: KEY_B }, decision: 'allow', evidence: { producer: [KEY_B] } },
    { name: 'a lineage exactly as deep as allowed', policy: { maxLineageDepth: 3 }, facts: { lineage: lineage({ depth: 3 }) }, decision: 'allow', evidence: { lineageDepth: 3, lineageComplete: true } },
    { name: 'a lineage too deep says how deep', policy: { maxLineageDepth: 2 }, facts: { lineage: lineage({ depth: 3, complete: false }) }, decision: 'block', code: 'POLICY.LINEAGE.TOO_DEEP', evidence: { lineageDepth: 3, lineageComplete: false } },
    { name: 'a shallow but incomplete lineage warns', policy: { maxLineageDepth: 5 }, facts: { lineage: lineage({ depth: 2, complete: false }) }, decision: 'warn', code: 'POLICY.LINEAGE.INCOMPLETE', evidence: { lineageDepth: 2, lineageComplete: false } },
    { name: 'pii flags', policy: { piiFlagsBlockList: ['ssn'] }, facts: { piiFlags: ['email'] }, decision: 'allow', evidence: { piiFlags: ['email'] } },
    { name: 'the second country of an allow list admits', policy: { geoOriginAllowList: ['US', 'DE'] }, facts: { geoOrigin: 'de' }, decision: 'allow', evidence: { geoOrigin: 'de' } },
    { name: 'schema hash', policy: { requiredSchemaHash: V1 }, facts: { schemaHash: V2 }, decision: 'block', evidence: { schemaHash: V2 } },
    { name: 'a mime type sharing only its first letter is refused', policy: { requiredMimeTypes: ['text/csv'] }, facts: { mimeType: 'text/plain' }, decision: 'block', code: 'POLICY.CONTENT.MIME_NOT_ALLOWED', evidence: { mimeType: 'text/plain' } },
    { name: 'the second mime type of the list admits', policy: { requiredMimeTypes: ['text/csv', 'application/json'] }, facts: { mimeType: 'application/json' }, decision: 'allow', evidence: { mimeType: 'application/json' } },
    { name: 'every required tag present', policy: { requiredOntologyTags: ['weather', 'hourly'] }, facts: { ontologyTags: ['Hourly', 'weather', 'eu'] }, decision: 'allow', evidence: { missingTags: [] } },
    { name: 'the missing tags are named', policy: { requiredOntologyTags: ['weather', 'hourly'] }, facts: { ontologyTags: ['weather'] }, decision: 'block', evidence: { ontologyTags: ['weather'], missingTags: ['hourly'] } },
    { name: 'exactly the maximum price per byte', policy: { maxPricePerByte: 2 }, facts: { pricePerByte: 2 }, decision: 'allow', evidence: { pricePerByte: 2 } },
    { name: 'exactly the maximum row count', policy: { maxRowCount: 10 }, facts: { rowCount: 10 }, decision: 'allow', evidence: { rowCount: 10 } },
    { name: 'exactly the minimum uptime', policy: { minProducerUptime: 99 }, facts: { producerUptime: 99 }, decision: 'allow', evidence: { producerUptime: 99 } },
    { name: 'billing account', policy: { requiresBillingAccount: true }, facts: { hasBillingAccount: true }, decision: 'allow', evidence: { hasBillingAccount: true } },
    { name: 'billing not required', policy: { requiresBillingAccount: false }, facts: { hasBillingAccount: false }, decision: 'allow' },
    { name: 'split val', policy: { requiresValidSplit: true }, facts: { split: 'val' }, decision: 'allow', evidence: { split: 'val' } },
    { name: 'split test', policy: { requiresValidSplit: true }, facts: { split: 'TEST' }, decision: 'allow', evidence: { split: 'TEST' } },
    { name: 'split not required', policy: { requiresValidSplit: false }, facts: { split: 'holdout' }, decision: 'allow' },
    { name: 'threat feed not consulted', policy: { blockIfInThreatFeed: false }, facts: { threatFeedMatch: true }, decision: 'allow' },
    { name: 'threat feed', policy: { blockIfInThreatFeed: true }, facts: { threatFeedMatch: true }, decision: 'block', evidence: { threatFeedMatch: true } },
    { name: 'exactly k', policy: { minAnonymizationLevel: { type: 'k-anon', k: 5 } }, facts: { anonymization: { type: 'K-Anon', k: 5 } }, decision: 'allow', evidence: { anonymization: { type: 'K-Anon', k: 5 } } },
    { name: 'k-anon without k', policy: { minAnonymizationLevel: { type: 'k-anon', k: 1 } }, facts: { anonymization: { type: 'k-anon' } }, decision: 'block', code: 'POLICY.SEC.ANON_LEVEL_TOO_LOW' },
    { name: 'exactly epsilon', policy: { minAnonymizationLevel: { type: 'dp', epsilon: 1 } }, facts: { anonymization: { type: 'dp', epsilon: 1 } }, decision: 'allow' },
    { name: 'epsilon too large', policy: { minAnonymizationLevel: { type: 'dp', epsilon: 1 } }, facts: { anonymization: { type: 'dp', epsilon: 2 } }, decision: 'block', code: 'POLICY.SEC.ANON_LEVEL_TOO_LOW' },
    { name: 'dp without epsilon', policy: { minAnonymizationLevel: { type: 'dp', epsilon: 1 } }, facts: { anonymization: { type: 'dp' } }, decision: 'block', code: 'POLICY.SEC.ANON_LEVEL_TOO_LOW' },
    { name: 'another technique never meets the level, whatever its numbers', policy: { minAnonymizationLevel: { type: 'dp', epsilon: 1 } }, facts: { anonymization: { type: 'k-anon', k: 50, epsilon: 0.1 } }, decision: 'block', code: 'POLICY.SEC.ANON_LEVEL_TOO_LOW' },
    // producers: an unavailable identity source warns instead of being read as "no producer"
    { name: 'producer key unavailable (allow list)', policy: { producerAllowList: [KEY_A] }, facts: { producerKey: unavailable('identity down') }, decision: 'warn', code: 'POLICY.PRODUCER.INPUT_UNAVAILABLE' },
    { name: 'producer id unavailable (allow list)', policy: { producerAllowList: [KEY_A] }, facts: { producerKey: KEY_A, producerId: unavailable('registry down') }, decision: 'warn', code: 'POLICY.PRODUCER.INPUT_UNAVAILABLE' },
    { name: 'producer key unavailable (block list)', policy: { producerBlockList: [KEY_A] }, facts: { producerKey: unavailable('identity down') }, decision: 'warn', code: 'POLICY.PRODUCER.INPUT_UNAVAILABLE' },
  ];

  it.each(EDGES)('$name → $decision', (c) => {
    const r = evaluateRules(parsePolicy(c.policy), c.facts);
    expect(r.decision).toBe(c.decision);
    if (c.decision === 'allow') expect([...r.reasons, ...r.warnings]).toEqual([]);
    if (c.code) expect(c.decision === 'block' ? r.reasons : r.warnings).toEqual([c.code]);
    if (c.evidence) expect(r.evidence).toMatchObject(c.evidence);
  });

  it('a rule whose producer facts are absent is skipped, not failed', () => {
    for (const key of ['producerAllowList', 'producerBlockList']) {
      const r = evaluateRules(parsePolicy({ [key]: [KEY_A] }), { license: 'MIT' });
      expect(r.decision).toBe('allow');
      expect(r.evidence.skipped).toEqual([key]);
    }
  });

  it('every rule belongs to the family its reason code names', () => {
    const families: Record<string, string> = { SPV: 'spv', PROVENANCE: 'provenance', PRODUCER: 'provenance', LINEAGE: 'provenance', COMPLIANCE: 'compliance',
      CONTENT: 'content', ECON: 'economics', QA: 'quality', MLOPS: 'mlops', SEC: 'security' };
    for (const r of RULES) expect([r.code, r.family]).toEqual([r.code, families[r.code.split('.')[1]!]]);
    // and leaving a family out leaves out exactly its rules
    const r = evaluateRules(parsePolicy({ minRowCount: 10, maxDriftScore: 0.1 }), { rowCount: 1, driftScore: 1 }, { skipFamilies: ['quality'] });
    expect(r.evidence.skipped).toEqual(['minRowCount']);
    expect(r.warnings).toEqual(['POLICY.MLOPS.DRIFT_TOO_HIGH']);
  });
});

describe('evaluateRules: the decision lists each code once, and the evidence has no empty fields', () => {
  it('two rules of one area with the same unavailable input warn once', () => {
    const r = evaluateRules(parsePolicy({ minRowCount: 1, maxRowCount: 10 }), { rowCount: unavailable('profile down') });
    expect(r.warnings).toEqual(['POLICY.QA.INPUT_UNAVAILABLE']);
    expect(r.evidence.unavailable).toEqual({ minRowCount: 'profile down', maxRowCount: 'profile down' });
  });

  it('names no versionId, skipped rules or unavailable inputs when there are none', () => {
    const r = evaluateRules(parsePolicy({ minConfs: 1 }), { confirmations: 3 });
    expect(r.evidence).toEqual({ confirmations: 3 });
    expect(Object.keys(r.evidence)).toEqual(['confirmations']);
  });
});
