/**
 * The /ready response: computeReadiness plus, with a policyId, the stored policy's decision.
 * A `block` decision makes the version not ready (`policy-blocked`); an evaluator failure other
 * than an unknown policy degrades to `warn` and never blocks (D28).
 */
import type { Deps } from '../deps';
import { isStrataError } from '../errors';
import type { WaitUntil } from '../cache/types';
import { computeReadiness, type Readiness } from './ready';
import type { PolicyOutcome, ReadyResponse } from './schema';

export type { PolicyOutcome, ReadyResponse } from './schema';

/** Evaluates a stored policy for a version given its readiness (the policy domain's verb). */
export type PolicyEvaluator = (deps: Deps, input: { versionId: string; policyId: string; readiness: Readiness }) => Promise<PolicyOutcome>;

/** GET /ready: readiness of `versionId`, with the policy decision when `policyId` is given. */
export async function readyDecision(
  deps: Deps,
  input: { versionId: string; policyId?: string },
  evaluate: PolicyEvaluator | null = null,
  ctx: { waitUntil?: WaitUntil } = {},
): Promise<ReadyResponse> {
  const r = await computeReadiness(deps, input.versionId, ctx.waitUntil ? { waitUntil: ctx.waitUntil } : {});
  const base: ReadyResponse = { ready: r.ready, reason: r.reason, confirmations: r.confirmations, bestHeight: r.bestHeight, warnings: r.warnings };
  if (input.policyId === undefined || evaluate === null) return base;
  let policy: PolicyOutcome;
  try {
    policy = await evaluate(deps, { versionId: input.versionId, policyId: input.policyId, readiness: r });
  } catch (e) {
    if (isStrataError(e) && (e.code === 'policy-not-found' || e.code === 'bad-request' || e.code === 'validation-failed')) throw e;
    policy = { decision: 'warn', reasons: [], warnings: ['POLICY.EVALUATOR.UNAVAILABLE'], evidence: { error: 'policy evaluation failed' } };
  }
  if (policy.decision === 'block' && base.ready) return { ...base, ready: false, reason: 'policy-blocked', policy };
  return { ...base, policy };
}
