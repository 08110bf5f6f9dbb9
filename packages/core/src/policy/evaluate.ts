/**
 * The pure D28 evaluator: policy + facts → decision. No I/O, no clock: everything it looks at
 * is in `facts`, so the same inputs always give the same decision (and tests need no database).
 *
 * - Rules run in the seed's pipeline order; every applicable rule is checked.
 * - Severity: block > warn > allow. Block codes go to `reasons`, warn codes to `warnings`.
 * - A rule whose input is absent is skipped (listed in `evidence.skipped`).
 * - A rule whose input is `unavailable` warns `POLICY.<AREA>.INPUT_UNAVAILABLE` and says why in
 *   `evidence.unavailable` — an outage of a feed never blocks.
 */
import type { PolicyFacts } from './facts';
import { isUnavailable } from './facts';
import { RULES, unavailableCode, type Family } from './rules';
import type { Policy, PolicyDecision } from './schema';

export type Decision = PolicyDecision['decision'];
export type { PolicyDecision };

export interface EvaluateOptions {
  /** Families left out entirely (the listings preview leaves out `spv`). */
  readonly skipFamilies?: readonly Family[];
}

const push = (list: string[], code: string) => {
  if (!list.includes(code)) list.push(code);
};

/** Evaluates every rule of `policy` against `facts`; never throws for a parsed policy. */
export function evaluateRules(policy: Policy, facts: PolicyFacts, opts: EvaluateOptions = {}): PolicyDecision {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const evidence: Record<string, unknown> = {};
  const skipped: string[] = [];
  const missing: Record<string, string> = {};
  const skip = new Set(opts.skipFamilies ?? []);

  for (const rule of RULES) {
    const value = policy[rule.key];
    if (value === undefined || !rule.active(value)) continue;
    if (skip.has(rule.family)) {
      skipped.push(rule.key);
      continue;
    }
    const input = rule.input(facts);
    if (input === undefined) {
      skipped.push(rule.key);
      continue;
    }
    if (isUnavailable(input)) {
      missing[rule.key] = input.reason;
      push(warnings, unavailableCode(rule.code));
      continue;
    }
    const out = rule.check(value as never, input as never);
    Object.assign(evidence, out.evidence);
    if (!out.violated) continue;
    push((out.severity ?? rule.severity) === 'block' ? reasons : warnings, out.code ?? rule.code);
  }

  if (facts.versionId !== undefined) evidence.versionId = facts.versionId;
  if (skipped.length > 0) evidence.skipped = skipped;
  if (Object.keys(missing).length > 0) evidence.unavailable = missing;
  const decision: Decision = reasons.length > 0 ? 'block' : warnings.length > 0 ? 'warn' : 'allow';
  return { decision, reasons, warnings, evidence };
}
