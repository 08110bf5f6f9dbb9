/**
 * The /ready response: computeReadiness plus, with a policyId, the stored policy's decision.
 * A `block` decision makes the version not ready (`policy-blocked`); an evaluator failure other
 * than an unknown policy degrades to `warn` and never blocks (D28).
 */
import type { Call } from '../context';
import type { Deps } from '../deps';
import { isStrataError } from '../errors';
import { computeReadiness, type Readiness } from './ready';

export interface PolicyOutcome {
  readonly decision: 'allow' | 'warn' | 'block';
  readonly reasons: readonly unknown[];
  readonly warnings: readonly unknown[];
  readonly evidence: unknown;
}

export interface ReadyResponse {
  readonly ready: boolean;
  readonly reason: string | null;
  readonly confirmations: number;
  readonly bestHeight: number | null;
  readonly warnings: readonly string[];
  readonly policy?: PolicyOutcome;
}

/** What readiness uses (without `evaluatePolicy` a policyId is not evaluated). */
export type ReadyDeps = Pick<Deps, 'sql' | 'cache' | 'clock' | 'config' | 'metrics'> & {
  /** Evaluates a stored policy for a version given its readiness (the policy domain's verb). */
  readonly evaluatePolicy?: PolicyEvaluator;
};

export type PolicyEvaluator = (call: Call<Pick<Deps, 'sql' | 'cache' | 'clock' | 'config'>, { versionId: string; policyId: string; readiness: Readiness }>) => Promise<PolicyOutcome>;

/** GET /ready: readiness of `versionId`, with the policy decision when `policyId` is given. */
export async function readyDecision(call: Call<ReadyDeps, { versionId: string; policyId?: string }>): Promise<ReadyResponse> {
  const { deps, ctx, input } = call;
  const evaluate = deps.evaluatePolicy;
  const r = await computeReadiness(deps, input.versionId, { waitUntil: ctx.waitUntil });
  const base: ReadyResponse = { ready: r.ready, reason: r.reason, confirmations: r.confirmations, bestHeight: r.bestHeight, warnings: r.warnings };
  if (input.policyId === undefined || evaluate === undefined) return base;
  let policy: PolicyOutcome;
  try {
    policy = await evaluate({ deps, ctx, input: { versionId: input.versionId, policyId: input.policyId, readiness: r } });
  } catch (e) {
    if (isStrataError(e) && (e.code === 'policy-not-found' || e.code === 'bad-request' || e.code === 'validation-failed')) throw e;
    policy = { decision: 'warn', reasons: [], warnings: ['POLICY.EVALUATOR.UNAVAILABLE'], evidence: { error: 'policy evaluation failed' } };
  }
  if (policy.decision === 'block' && base.ready) return { ...base, ready: false, reason: 'policy-blocked', policy };
  return { ...base, policy };
}
