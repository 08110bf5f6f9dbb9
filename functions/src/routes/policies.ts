/**
 * D28 policies: CRUD (writes need the admin token; reads are public and cached) and evaluation
 * (`POST /policies/evaluate`, alias `POST /ready/policy-eval`), each run recorded in policy_runs.
 * Requests are declared with the core schemas (policy/schema.ts); the policy document inside a
 * body is then checked rule by rule by core, so its field paths (`body.policy.minConfs`) reach
 * the problem's `issues`.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { parseVersionId } from '@strata/core/catalog/hex';
import { StrataError } from '@strata/core/errors';
import { createPolicy, deletePolicy, evaluatePolicy, readPolicies, readPolicy, updatePolicy } from '@strata/core/policy/service';
import { EvaluatePolicyBody, NewPolicy, PolicyDecision, PolicyIdParam, PolicyListQuery, PolicyPatch, PolicyRecord } from '@strata/core/policy/schema';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ Policy: PolicyRecord, PolicyDecision, PolicyEvaluation: EvaluatePolicyBody });
const Ok = z.object({ status: z.literal('ok') });
const json = <S extends z.ZodType>(schema: S) => ({ required: true, content: { 'application/json': { schema } } });

const routes = {
  create: createRoute({
    method: 'post', path: '/policies', tags: ['policies'], summary: 'Create a policy (admin)', middleware: [requireToken('admin')] as const,
    description: 'Stores a named policy document (validated field by field, unknown keys refused) and answers its new id (`pol_<16 hex>`).',
    security: SECURITY.admin,
    request: { body: json(NewPolicy) },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: Ok.extend({ policyId: z.string() }) } } }, ...errorResponses('unauthorized', 413, 503) },
  }),
  list: createRoute({
    method: 'get', path: '/policies', tags: ['policies'], summary: 'Policies, newest first (cached)', middleware: [rateLimit('public')] as const,
    description: 'Stored policies, newest first; `enabled=true|false` filters, `limit` (≤ 200) and `offset` page.',
    security: SECURITY.public,
    request: { query: PolicyListQuery },
    responses: { 200: { description: 'One page', content: { 'application/json': { schema: z.object({ items: z.array(PolicyRecord), limit: z.number(), offset: z.number() }) } } }, ...errorResponses(429, 503) },
  }),
  get: createRoute({
    method: 'get', path: '/policies/{id}', tags: ['policies'], summary: 'One policy (cached)', middleware: [rateLimit('public')] as const,
    description: 'One stored policy with its document.',
    security: SECURITY.public,
    request: { params: PolicyIdParam },
    responses: { 200: { description: 'The policy', content: { 'application/json': { schema: PolicyRecord } } }, ...errorResponses('not-found', 429, 503) },
  }),
  patch: createRoute({
    method: 'patch', path: '/policies/{id}', tags: ['policies'], summary: 'Change name, enabled and/or policy (admin)', middleware: [requireToken('admin')] as const,
    description: 'Changes the members given; a new `policy` replaces the document whole.',
    security: SECURITY.admin,
    request: { params: PolicyIdParam, body: json(PolicyPatch) },
    responses: { 200: { description: 'Changed', content: { 'application/json': { schema: Ok } } }, ...errorResponses('unauthorized', 'not-found', 503) },
  }),
  delete: createRoute({
    method: 'delete', path: '/policies/{id}', tags: ['policies'], summary: 'Delete a policy (admin); its runs stay', middleware: [requireToken('admin')] as const,
    description: 'Deletes the policy; the recorded evaluations that used it are kept.',
    security: SECURITY.admin,
    request: { params: PolicyIdParam },
    responses: { 200: { description: 'Deleted', content: { 'application/json': { schema: Ok } } }, ...errorResponses('unauthorized', 'not-found', 503) },
  }),
};

const evaluateRoute = (path: string) =>
  createRoute({
    method: 'post', path, tags: ['policies'], summary: 'Evaluate a stored or inline policy against a version (recorded in policy_runs)',
    description:
      'Evaluates a stored policy (`policyId`, which must exist and be enabled, else 404 `policy-not-found`) or an inline `policy` document against a version, with the facts gathered now (confirmations, lineage, advisories, manifest). Answers the decision (`allow`, `warn`, `block`) with its reason codes and evidence; every evaluation is recorded.' +
      (path === '/ready/policy-eval' ? ' Same as `POST /policies/evaluate` (the seed’s path).' : ''),
    security: SECURITY.public,
    middleware: [rateLimit('policy-eval')] as const,
    request: { body: json(EvaluatePolicyBody) },
    responses: { 200: { description: 'The decision', content: { 'application/json': { schema: PolicyDecision } } }, ...errorResponses('not-found', 'policy-not-found', 429, 503) },
  });

export function registerPolicies(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.create, async (c) => {
    const { policyId } = await createPolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body: c.req.valid('json') } });
    return c.json({ status: 'ok' as const, policyId }, 201);
  });
  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const items = await readPolicies({ deps: c.get('deps'), ctx: c.get('ctx'), input: q });
    return c.json({ items, limit: q.limit, offset: q.offset }, 200);
  });
  app.openapi(routes.get, async (c) => {
    const p = await readPolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { policyId: c.req.valid('param').id } });
    if (!p) throw new StrataError('not-found', 'No policy has this id.');
    return c.json(p, 200);
  });
  app.openapi(routes.patch, async (c) => {
    await updatePolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { policyId: c.req.valid('param').id, body: c.req.valid('json') } });
    return c.json({ status: 'ok' as const }, 200);
  });
  app.openapi(routes.delete, async (c) => {
    await deletePolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { policyId: c.req.valid('param').id } });
    return c.json({ status: 'ok' as const }, 200);
  });

  for (const path of ['/policies/evaluate', '/ready/policy-eval']) {
    app.openapi(evaluateRoute(path), async (c) => {
      const { versionId, policyId, policy } = c.req.valid('json');
      // a malformed id keeps its `bad-request` answer (ADR 0054); neither policyId nor policy: core says so
      const input = { versionId: parseVersionId(versionId, ['body', 'versionId']), ...(policyId !== undefined ? { policyId } : { policy }) };
      const r = await evaluatePolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input });
      return c.json(r, 200, { 'cache-control': 'no-store' });
    });
  }
}
