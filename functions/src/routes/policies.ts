/**
 * D28 policies: CRUD (writes need the admin token; reads are public and cached) and evaluation
 * (`POST /policies/evaluate`, alias `POST /ready/policy-eval`), each run recorded in policy_runs.
 * Bodies are validated in full by the core schema (policy/schema.ts), so its field paths
 * (`body.policy.minConfs`) reach the problem's `issues`.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { parseVersionId } from '@strata/core/catalog/hex';
import { StrataError } from '@strata/core/errors';
import { createPolicy, deletePolicy, evaluatePolicy, PolicyListQuery, readPolicies, readPolicy, updatePolicy } from '@strata/core/policy/service';
import { POLICY_ID } from '@strata/core/policy/schema';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { documentedAs } from '../openapi/document';
import { SECURITY } from '../openapi/security';

const PolicyDoc = z.record(z.string(), z.unknown()).openapi(documentedAs('PolicyDocument', 'A D28 policy document; every rule optional, unknown keys rejected.'));
const PolicyItem = z
  .object({ policyId: z.string(), name: z.string(), enabled: z.boolean(), policy: PolicyDoc, createdAt: z.string(), updatedAt: z.string() })
  .openapi('Policy');
const Ok = z.object({ status: z.literal('ok') });
const Decision = z
  .object({ decision: z.enum(['allow', 'warn', 'block']), reasons: z.array(z.string()), warnings: z.array(z.string()), evidence: z.record(z.string(), z.unknown()) })
  .openapi('PolicyDecision');
const IdParam = z.object({ id: z.string().regex(POLICY_ID, 'must look like pol_<hex>').openapi({ example: 'pol_0123456789abcdef' }) });
const json = <S extends z.ZodType>(schema: S) => ({ required: true, content: { 'application/json': { schema } } });
const EvaluateBody = z
  .object({ versionId: z.string().openapi({ pattern: '^[0-9a-fA-F]{64}$' }), policyId: z.string().optional(), policy: PolicyDoc.optional() })
  .openapi('PolicyEvaluation');

const routes = {
  create: createRoute({
    method: 'post', path: '/policies', tags: ['policies'], summary: 'Create a policy (admin)', middleware: [requireToken('admin')] as const,
    description: 'Stores a named policy document (validated field by field, unknown keys refused) and answers its new id (`pol_<16 hex>`).',
    security: SECURITY.admin,
    request: { body: json(z.object({ name: z.string(), enabled: z.boolean().optional(), policy: PolicyDoc })) },
    responses: { 201: { description: 'Created', content: { 'application/json': { schema: Ok.extend({ policyId: z.string() }) } } }, ...errorResponses('unauthorized', 413, 503) },
  }),
  list: createRoute({
    method: 'get', path: '/policies', tags: ['policies'], summary: 'Policies, newest first (cached)', middleware: [rateLimit('public')] as const,
    description: 'Stored policies, newest first; `enabled=true|false` filters, `limit` (≤ 200) and `offset` page.',
    security: SECURITY.public,
    request: { query: z.object({ enabled: z.string().optional(), limit: z.string().optional(), offset: z.string().optional() }) },
    responses: { 200: { description: 'One page', content: { 'application/json': { schema: z.object({ items: z.array(PolicyItem), limit: z.number(), offset: z.number() }) } } }, ...errorResponses(429, 503) },
  }),
  get: createRoute({
    method: 'get', path: '/policies/{id}', tags: ['policies'], summary: 'One policy (cached)', middleware: [rateLimit('public')] as const,
    description: 'One stored policy with its document.',
    security: SECURITY.public,
    request: { params: IdParam },
    responses: { 200: { description: 'The policy', content: { 'application/json': { schema: PolicyItem } } }, ...errorResponses('not-found', 429, 503) },
  }),
  patch: createRoute({
    method: 'patch', path: '/policies/{id}', tags: ['policies'], summary: 'Change name, enabled and/or policy (admin)', middleware: [requireToken('admin')] as const,
    description: 'Changes the members given; a new `policy` replaces the document whole.',
    security: SECURITY.admin,
    request: { params: IdParam, body: json(z.object({ name: z.string().optional(), enabled: z.boolean().optional(), policy: PolicyDoc.optional() })) },
    responses: { 200: { description: 'Changed', content: { 'application/json': { schema: Ok } } }, ...errorResponses('unauthorized', 'not-found', 503) },
  }),
  delete: createRoute({
    method: 'delete', path: '/policies/{id}', tags: ['policies'], summary: 'Delete a policy (admin); its runs stay', middleware: [requireToken('admin')] as const,
    description: 'Deletes the policy; the recorded evaluations that used it are kept.',
    security: SECURITY.admin,
    request: { params: IdParam },
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
    request: { body: json(EvaluateBody) },
    responses: { 200: { description: 'The decision', content: { 'application/json': { schema: Decision } } }, ...errorResponses('not-found', 'policy-not-found', 429, 503) },
  });

export function registerPolicies(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.create, async (c) => {
    const { policyId } = await createPolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body: await c.req.json() } });
    return c.json({ status: 'ok' as const, policyId }, 201);
  });
  app.openapi(routes.list, async (c) => {
    const r = PolicyListQuery.safeParse(c.req.query());
    if (!r.success) {
      throw new StrataError('validation-failed', 'The query is not valid.', { issues: r.error.issues.map((i) => ({ path: ['query', ...i.path.map(String)].join('.'), message: i.message })) });
    }
    const items = await readPolicies({ deps: c.get('deps'), ctx: c.get('ctx'), input: r.data });
    return c.json({ items, limit: r.data.limit, offset: r.data.offset }, 200);
  });
  app.openapi(routes.get, async (c) => {
    const p = await readPolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { policyId: c.req.valid('param').id } });
    if (!p) throw new StrataError('not-found', 'No policy has this id.');
    return c.json(p, 200);
  });
  app.openapi(routes.patch, async (c) => {
    await updatePolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { policyId: c.req.valid('param').id, body: await c.req.json() } });
    return c.json({ status: 'ok' as const }, 200);
  });
  app.openapi(routes.delete, async (c) => {
    await deletePolicy({ deps: c.get('deps'), ctx: c.get('ctx'), input: { policyId: c.req.valid('param').id } });
    return c.json({ status: 'ok' as const }, 200);
  });

  for (const path of ['/policies/evaluate', '/ready/policy-eval']) {
    app.openapi(evaluateRoute(path), async (c) => {
      const body = (await c.req.json()) as { versionId?: unknown; policyId?: unknown; policy?: unknown };
      if (body.versionId === undefined) throw new StrataError('bad-request', 'versionId is required.', { hint: 'versionId required', issues: [{ path: 'body.versionId', message: 'required' }] });
      const versionId = parseVersionId(body.versionId);
      if (body.policyId === undefined && body.policy === undefined) {
        throw new StrataError('bad-request', 'Give policyId or policy.', { hint: 'policyId or policy required', issues: [{ path: 'body.policyId', message: 'give policyId or policy' }] });
      }
      if (body.policyId !== undefined && typeof body.policyId !== 'string') throw new StrataError('bad-request', 'policyId must be a string.', { issues: [{ path: 'body.policyId', message: 'must be a string' }] });
      const r = await evaluatePolicy({
        deps: c.get('deps'),
        ctx: c.get('ctx'),
        input: { versionId, ...(body.policyId !== undefined ? { policyId: body.policyId as string } : { policy: body.policy }) },
      });
      return c.json(r as z.infer<typeof Decision>, 200, { 'cache-control': 'no-store' });
    });
  }
}
