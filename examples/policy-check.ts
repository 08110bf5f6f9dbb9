/**
 * Check a version against an inline policy before buying it: enough confirmations, an allowed
 * licence and classification, a bounded lineage.
 *
 *   npx tsx examples/policy-check.ts <versionId>
 */
import type { StrataClient } from '@strata/client';
import { runIfMain, type Print } from './connect';

export async function run(strata: StrataClient, print: Print = console.log, versionId = process.argv[2] ?? '') {
  const decision = await strata.evaluatePolicy({
    versionId,
    policy: { minConfs: 1, licenseAllowList: ['CC-BY-4.0', 'ODbL-1.0'], classificationAllowList: ['public'], maxLineageDepth: 5 },
  });
  print(`${decision.decision}${decision.reasons.length ? `: ${decision.reasons.join(', ')}` : ''}`);
  return decision;
}

runIfMain(import.meta, run);
