/**
 * The /ready decision, orchestrated here rather than in the route: computeReadiness plus, with a
 * policyId, the stored policy's decision. A `block` decision makes the version not ready
 * (`policy-blocked`); an evaluator failure other than an unknown policy degrades to `warn` and
 * never blocks (D28).
 */
import type { Call } from '../context';
import type { Deps } from '../deps';
import { isStrataError } from '../errors';
import { evaluateStoredPolicy, type PolicyServiceDeps } from '../policy/service';
import { computeReadiness } from './ready';
import type { PolicyOutcome, ReadyResponse } from './schema';

export type { PolicyOutcome, ReadyResponse } from './schema';

/** What readiness and the stored policy's evaluation use. */
export type ReadyDeps = Pick<Deps, 'sql' | 'cache' | 'clock' | 'config' | 'metrics' | 'log'> & PolicyServiceDeps;

/**
 * GET /ready's verb: readiness of `input.versionId` (SPV of the whole lineage + advisories,
 * computeReadiness) and, with `input.policyId`, the stored policy's decision over that same
 * readiness (so SPV is verified once). `policy-not-found` and bad input pass through; any other
 * evaluator failure is a `warn` with POLICY.EVALUATOR.UNAVAILABLE, never a block (D28).
 */
export async function readyDecision(call: Call<ReadyDeps, { versionId: string; policyId?: string }>): Promise<ReadyResponse> {
  const { deps, ctx, input } = call;
  const r = await computeReadiness(deps, input.versionId, { waitUntil: ctx.waitUntil });
  const base: ReadyResponse = { ready: r.ready, reason: r.reason, confirmations: r.confirmations, bestHeight: r.bestHeight, warnings: r.warnings };
  if (input.policyId === undefined) return base;
  let policy: PolicyOutcome;
  try {
    policy = await evaluateStoredPolicy({ deps, ctx, input: { versionId: input.versionId, policyId: input.policyId, readiness: r } });
  } catch (e) {
    if (isStrataError(e) && (e.code === 'policy-not-found' || e.code === 'bad-request' || e.code === 'validation-failed')) throw e;
    deps.log.warn('policy evaluation failed; /ready reports warn', { versionId: input.versionId, policyId: input.policyId, error: String(e) });
    policy = { decision: 'warn', reasons: [], warnings: ['POLICY.EVALUATOR.UNAVAILABLE'], evidence: { error: 'policy evaluation failed' } };
  }
  if (policy.decision === 'block' && base.ready) return { ...base, ready: false, reason: 'policy-blocked', policy };
  return { ...base, policy };
}
