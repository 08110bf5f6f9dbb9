/**
 * The D28 policy document: unknown keys and bad values are rejected with their field path;
 * random JSON never makes the parser or the evaluator throw anything but a validation error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStrataError, type StrataError } from '@strata/core/errors';
import { evaluateRules } from '@strata/core/policy/evaluate';
import { factsFromManifest, unavailable } from '@strata/core/policy/facts';
import { newPolicyId, parsePolicy, POLICY_ID } from '@strata/core/policy/schema';

function issuesOf(input: unknown): string[] {
  try {
    parsePolicy(input, ['body', 'policy']);
  } catch (e) {
    expect(isStrataError(e) && e.code).toBe('validation-failed');
    return ((e as StrataError).extra.issues ?? []).map((i) => i.path);
  }
  return [];
}

describe('parsePolicy', () => {
  it('accepts the seed\'s strict banking policy', () => {
    const p = parsePolicy({
      minConfs: 12,
      classificationAllowList: ['restricted'],
      allowRecalled: false,
      producerAllowList: [`02${'A'.repeat(64)}`],
      licenseAllowList: ['Internal-Banking-Use-Only'],
      piiFlagsBlockList: ['has_customer_name', 'has_address'],
      geoOriginAllowList: ['EU'],
      maxPricePerByte: 0.5,
      maxTotalCostForLineage: 250000,
      maxDataAgeSeconds: 3600,
      minProducerUptime: 99.9,
      requiresBillingAccount: true,
      minRowCount: 1000000,
      maxNullValuePercentage: 1.0,
      blockIfInThreatFeed: true,
      minAnonymizationLevel: { type: 'k-anon', k: 5 },
    });
    expect(p.producerAllowList).toEqual([`02${'a'.repeat(64)}`]);
  });

  it('rejects unknown keys with their path, at the top and nested', () => {
    expect(issuesOf({ minConf: 3, minConfs: 1 })).toEqual(['body.policy.minConf']);
    expect(issuesOf({ minAnonymizationLevel: { type: 'k-anon', k: 5, l: 2 } })).toEqual(['body.policy.minAnonymizationLevel.l']);
  });

  it('names each bad field', () => {
    expect(issuesOf({ minConfs: -1, requiredAncestor: 'xyz', licenseAllowList: ['ok', 7] }).sort()).toEqual([
      'body.policy.licenseAllowList.1',
      'body.policy.minConfs',
      'body.policy.requiredAncestor',
    ]);
    expect(issuesOf({ minRowCount: 10, maxRowCount: 5 })).toEqual(['body.policy.maxRowCount']);
    expect(issuesOf({ minAnonymizationLevel: { type: 'dp' } })).toEqual(['body.policy.minAnonymizationLevel.epsilon']);
    expect(issuesOf({ producerBlockList: ['someone'] })).toEqual(['body.policy.producerBlockList.0']);
    expect(issuesOf([])).toEqual(['body.policy']);
  });

  it('issues fresh pol_<16 hex> ids', () => {
    const a = newPolicyId();
    expect(a).toMatch(/^pol_[0-9a-f]{16}$/);
    expect(POLICY_ID.test(a)).toBe(true);
    expect(newPolicyId()).not.toBe(a);
  });
});

describe('random input (property)', () => {
  it('random JSON either parses or fails with validation-failed, never anything else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parsePolicy(v);
        } catch (e) {
          return isStrataError(e) && e.code === 'validation-failed' && (e.extra.issues?.length ?? 0) > 0;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  const num = fc.double({ min: -10, max: 1e6, noNaN: true });
  const words = fc.array(fc.constantFrom('public', 'internal', 'MIT', 'EU', 'DE', 'text/csv', 'x', '', 7 as unknown as string), { maxLength: 4 });
  const policyLike = fc.record(
    {
      minConfs: fc.integer({ min: -2, max: 20 }),
      allowRecalled: fc.boolean(),
      classificationAllowList: words,
      licenseAllowList: words,
      geoOriginAllowList: words,
      requiredMimeTypes: words,
      requiredOntologyTags: words,
      piiFlagsBlockList: words,
      maxLineageDepth: fc.integer({ min: -1, max: 5 }),
      maxDataAgeSeconds: fc.integer({ min: -1, max: 1e9 }),
      minProducerUptime: fc.oneof(num, fc.record({ value: num, severity: fc.constantFrom('warn', 'block', 'nope') })),
      minRowCount: fc.integer({ min: -1, max: 100 }),
      maxRowCount: fc.integer({ min: -1, max: 100 }),
      maxNullValuePercentage: num,
      requiresValidSplit: fc.boolean(),
      blockIfInThreatFeed: fc.boolean(),
      minAnonymizationLevel: fc.record({ type: fc.constantFrom('k-anon', 'dp', 'l-div'), k: fc.integer({ min: -1, max: 9 }), epsilon: num }, { requiredKeys: ['type'] }),
    },
    { requiredKeys: [] },
  );
  const manifestLike = fc.record(
    {
      policy: fc.record({ license: fc.oneof(fc.string(), fc.integer()), classification: fc.string(), pii_flags: fc.anything(), geoOrigin: fc.string(), anonymization: fc.anything() }, { requiredKeys: [] }),
      content: fc.record({ mimeType: fc.anything(), stats: fc.anything(), mlops: fc.anything(), schema: fc.anything() }, { requiredKeys: [] }),
      provenance: fc.record({ createdAt: fc.oneof(fc.string(), fc.constant('2025-01-01T00:00:00Z')), producer: fc.anything() }, { requiredKeys: [] }),
      tags: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('near-valid policies against arbitrary manifests: validation error or a decision, never a crash', () => {
    fc.assert(
      fc.property(policyLike, manifestLike, fc.boolean(), (raw, manifest, headersDown) => {
        let policy;
        try {
          policy = parsePolicy(raw);
        } catch (e) {
          return isStrataError(e) && e.code === 'validation-failed';
        }
        const facts = { ...factsFromManifest(manifest, Date.UTC(2026, 0, 1)), confirmations: headersDown ? unavailable('headers-unavailable') : 3, recalled: false };
        const r = evaluateRules(policy, facts);
        const expected = r.reasons.length > 0 ? 'block' : r.warnings.length > 0 ? 'warn' : 'allow';
        return r.decision === expected && JSON.parse(JSON.stringify(r.evidence)) !== null;
      }),
      { numRuns: 500 },
    );
  });
});
