/**
 * Policy verbs: CRUD (writes commit with their outbox and audit rows in one batch and
 * invalidate the policy's key and the `policies` tag, which covers list pages and previews),
 * cached reads, and evaluation recorded in `policy_runs`.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { auditOf, type Call, type RequestCtx } from '../context';
import type { Deps } from '../deps';
import { fieldIssues, StrataError } from '../errors';
import { cacheKeys, cacheTags } from '../cache/keys';
import { sha256Hex } from '../util/hash';
import { commitWrite } from '../outbox/outbox';
import { evaluateRules, type PolicyDecision } from './evaluate';
import { gatherPolicyFacts, type PolicySources, type ReadinessFacts } from './gather';
import { deletePolicyStatement, getPolicy, insertPolicyRun, insertPolicyStatement, listPolicies, updatePolicyStatement, type PolicyRecord } from './repo';
import { NewPolicy, newPolicyId, parsePolicy, PolicyPatch, type Policy } from './schema';

export type PolicyServiceDeps = Pick<Deps, 'sql' | 'cache' | 'clock' | 'config'>;

// the document itself is checked by parsePolicy, so its issues carry their own paths
export { NewPolicy, PolicyListQuery, PolicyPatch } from './schema';

function parseBody<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = fieldIssues(['body'], r.error.issues);
  const missing = issues.some((i) => i.path === 'body.name' || i.path === 'body.policy');
  throw new StrataError('validation-failed', 'The request body is not valid; see `issues`.', { issues, ...(missing ? { hint: 'name and policy required' } : {}) });
}

/** SHA-256 of the canonical policy JSON: which rules an evaluation applied. */
export const policyHash = (p: Policy): string => sha256Hex(canonicalize(p) ?? '{}');

const invalidation = (policyId: string) => ({ keys: [cacheKeys.policy(policyId)], tags: [cacheTags.policies()] });

/** Creates a policy (admin). */
export async function createPolicy(call: Call<PolicyServiceDeps, { body: unknown }>): Promise<{ policyId: string }> {
  const { deps, ctx } = call;
  const body = parseBody(NewPolicy, call.input.body);
  const policy = parsePolicy(body.policy);
  const policyId = newPolicyId();
  await commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    {
      statements: [insertPolicyStatement({ policyId, name: body.name, enabled: body.enabled, policy, now: new Date(deps.clock.now()) })],
      invalidate: invalidation(policyId),
      audit: { ...auditOf(ctx), action: 'policy.create', resource: `policy:${policyId}`, after: { name: body.name, enabled: body.enabled, policyHash: policyHash(policy) } },
    },
  );
  return { policyId };
}

/** Throws `not-found` before a write to an unknown policy, so it leaves no audit or outbox row. */
async function mustExist(deps: PolicyServiceDeps, policyId: string): Promise<void> {
  const rows = await deps.sql.query('SELECT 1 FROM policies WHERE policy_id = $1', [policyId]);
  if (rows.length === 0) throw new StrataError('not-found', `Policy ${policyId} does not exist.`);
}

/** Changes name, enabled flag and/or document of a policy (admin); `not-found` when unknown. */
export async function updatePolicy(call: Call<PolicyServiceDeps, { policyId: string; body: unknown }>): Promise<void> {
  const { deps, ctx, input: { policyId } } = call;
  const body = parseBody(PolicyPatch, call.input.body);
  const policy = body.policy === undefined ? undefined : parsePolicy(body.policy);
  await mustExist(deps, policyId);
  const { results } = await commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    {
      statements: [updatePolicyStatement(policyId, { name: body.name, enabled: body.enabled, policy }, new Date(deps.clock.now()))],
      invalidate: invalidation(policyId),
      audit: { ...auditOf(ctx), action: 'policy.update', resource: `policy:${policyId}`,
        after: { name: body.name, enabled: body.enabled, policyHash: policy ? policyHash(policy) : undefined } },
    },
  );
  if ((results[0] ?? []).length === 0) throw new StrataError('not-found', `Policy ${policyId} does not exist.`);
}

/** Deletes a policy (admin); its runs stay. `not-found` when unknown. */
export async function deletePolicy(call: Call<PolicyServiceDeps, { policyId: string }>): Promise<void> {
  const { deps, ctx, input: { policyId } } = call;
  await mustExist(deps, policyId);
  const { results } = await commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    {
      statements: [deletePolicyStatement(policyId)],
      invalidate: invalidation(policyId),
      audit: { ...auditOf(ctx), action: 'policy.delete', resource: `policy:${policyId}` },
    },
  );
  if ((results[0] ?? []).length === 0) throw new StrataError('not-found', `Policy ${policyId} does not exist.`);
}

/** One policy through the cache (namespace `policies`); null when unknown. */
export async function readPolicy(call: Call<Pick<Deps, 'sql' | 'cache'>, { policyId: string }>): Promise<PolicyRecord | null> {
  const { deps, ctx, input: { policyId } } = call;
  const r = await deps.cache.get<PolicyRecord>('policies', cacheKeys.policy(policyId), () => getPolicy(deps.sql, policyId), {
    tags: [cacheTags.policies()],
    waitUntil: ctx.waitUntil,
  });
  return r.value;
}

/** A page of policies through the cache, newest first. */
export async function readPolicies(call: Call<Pick<Deps, 'sql' | 'cache'>, { enabled?: boolean; limit: number; offset: number }>): Promise<PolicyRecord[]> {
  const { deps, ctx, input: q } = call;
  const key = cacheKeys.policies({ enabled: q.enabled, limit: q.limit, offset: q.offset });
  const r = await deps.cache.get<PolicyRecord[]>('policies', key, () => listPolicies(deps.sql, q), {
    tags: [cacheTags.policies()],
    waitUntil: ctx.waitUntil,
  });
  return r.value ? [...r.value] : [];
}

/** The enabled policy `policyId`; `policy-not-found` when it is missing or disabled. */
export async function loadEnabledPolicy(deps: Pick<Deps, 'sql' | 'cache'>, ctx: RequestCtx, policyId: string): Promise<Policy> {
  const rec = /^pol_[0-9a-z_]{1,64}$/.test(policyId) ? await readPolicy({ deps, ctx, input: { policyId } }) : null;
  if (!rec || !rec.enabled) {
    throw new StrataError('policy-not-found', `Policy ${policyId} does not exist or is disabled.`, { hint: 'policy-not-found' });
  }
  return rec.policy;
}

export interface EvaluateInput {
  readonly versionId: string;
  readonly policyId?: string;
  /** An inline policy document (validated here). */
  readonly policy?: unknown;
  readonly readiness?: ReadinessFacts;
  readonly sources?: PolicySources;
  /** Which endpoint asked, for the run record. */
  readonly source?: 'evaluate' | 'ready';
}

/**
 * Evaluates a stored (enabled) or inline policy against a version and records the run in
 * policy_runs. `not-found` for an unknown version, `policy-not-found` for a missing policy.
 */
export async function evaluatePolicy(call: Call<PolicyServiceDeps, EvaluateInput>): Promise<PolicyDecision> {
  const { deps, ctx, input } = call;
  let policy: Policy;
  if (input.policyId !== undefined) policy = await loadEnabledPolicy(deps, ctx, input.policyId);
  else if (input.policy !== undefined) policy = parsePolicy(input.policy);
  else throw new StrataError('bad-request', 'Give policyId or policy.', { hint: 'policyId or policy required', issues: [{ path: 'body.policyId', message: 'give policyId or policy' }] });
  const facts = await gatherPolicyFacts(deps, input.versionId, {
    policy,
    ...(input.readiness ? { readiness: input.readiness } : {}),
    ...(input.sources ? { sources: input.sources } : {}),
  });
  const result = evaluateRules(policy, facts);
  await insertPolicyRun(
    deps.sql,
    { policyId: input.policyId ?? null, policyHash: policyHash(policy), versionId: input.versionId, source: input.source ?? 'evaluate', result },
    new Date(deps.clock.now()),
  );
  return result;
}

/** /ready's entry point: evaluate the enabled stored policy, reusing the readiness already computed. */
export async function evaluateStoredPolicy(
  call: Call<PolicyServiceDeps, { versionId: string; policyId: string; readiness?: ReadinessFacts; sources?: PolicySources }>,
): Promise<PolicyDecision> {
  return evaluatePolicy({ ...call, input: { ...call.input, source: 'ready' } });
}
