/**
 * The D28 policy scenario over HTTP, written once and run on every stack: CRUD with admin auth
 * and field-path validation, cache invalidation after writes, evaluation (and its alias) against
 * published versions with real lineage, advisories and SPV proofs, policy_runs rows, and the
 * cached listings preview.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ANONYMOUS, type RequestCtx } from '@strata/core/context';
import { previewForListings } from '@strata/core/policy/preview';
import { adminAuth, type TestStack } from './deps';
import type { Publication } from './dlm1';
import { call, postHeaders, postProof, publish, TestChain } from './trust-world';

export const POLICY_ENV = { RATE_LIMIT_PER_MIN: '0', MIN_CONFS: '1' };

const hex64 = () => randomBytes(32).toString('hex');
const content = (extra: Record<string, unknown> = {}) => ({ contentHash: hex64(), mimeType: 'text/csv', sizeBytes: 1000, ...extra });

/** Registers the scenario's tests on a stack built by `open`. */
export function policyScenario(open: () => Promise<TestStack>): void {
  let stack: TestStack;
  let root: Publication, child: Publication, orphan: Publication, rich: Publication;
  const chain = new TestChain();

  const create = (body: unknown, headers: Record<string, string> = adminAuth) => call(stack, 'POST', '/policies', { body, headers });
  const evaluate = (body: unknown, path = '/policies/evaluate') => call(stack, 'POST', path, { body });
  const runs = (versionId: string) =>
    stack.deps.sql.query<{ policy_id: string | null; decision: string; reasons: string[]; warnings: string[]; policy_hash: string; source: string }>(
      'SELECT policy_id, decision, reasons, warnings, policy_hash, source FROM policy_runs WHERE version_id = $1 ORDER BY id',
      [versionId],
    );

  beforeAll(async () => {
    stack = await open();
    root = await publish(stack, [], { content: content() });
    child = await publish(stack, [root.versionId], { content: content() });
    orphan = await publish(stack, [hex64()], { content: content() }); // its parent is not in the catalog
    rich = await publish(stack, [], {
      tags: ['weather', 'hourly'],
      content: content({ stats: { rowCount: 500, nullPercentage: 4 }, mlops: { split: 'train', driftScore: 0.4 } }),
      policy: { license: 'CC-BY-4.0', classification: 'internal', pii_flags: ['has_address'], geoOrigin: 'DE' },
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('writes need the admin token', async () => {
    const body = { name: 'open', policy: {} };
    expect((await create(body, {})).status).toBe(401);
    expect((await create(body, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    const id = (await create(body)).body.policyId as string;
    expect((await call(stack, 'PATCH', `/policies/${id}`, { body: { enabled: false } })).status).toBe(401);
    expect((await call(stack, 'DELETE', `/policies/${id}`)).status).toBe(401);
    expect((await call(stack, 'GET', `/policies/${id}`)).body.enabled).toBe(true);
  });

  it('creates, reads, lists, patches and deletes; reads follow every write at once', async () => {
    const c = await create({ name: 'Banking', policy: { minConfs: 12, geoOriginAllowList: ['EU'], minAnonymizationLevel: { type: 'k-anon', k: 5 } } });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({ status: 'ok', policyId: expect.stringMatching(/^pol_[0-9a-f]{16}$/) });
    const id = c.body.policyId as string;

    const g1 = await call(stack, 'GET', `/policies/${id}`);
    expect(g1.body).toMatchObject({ policyId: id, name: 'Banking', enabled: true, policy: { minConfs: 12, geoOriginAllowList: ['EU'] } });
    const list1 = await call(stack, 'GET', '/policies?limit=200');
    expect(list1.body.items[0].policyId).toBe(id); // newest first

    // both reads are cached now; the PATCH must make them show the change
    expect((await call(stack, 'PATCH', `/policies/${id}`, { headers: adminAuth, body: { name: 'Banking v2', enabled: false, policy: { minConfs: 6 } } })).body).toEqual({ status: 'ok' });
    const g2 = await call(stack, 'GET', `/policies/${id}`);
    expect(g2.body).toMatchObject({ name: 'Banking v2', enabled: false, policy: { minConfs: 6 } });
    expect(g2.body.policy.geoOriginAllowList).toBeUndefined();
    expect(Date.parse(g2.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(g1.body.updatedAt));
    const list2 = await call(stack, 'GET', '/policies?limit=200');
    expect(list2.body.items.find((p: { policyId: string }) => p.policyId === id)).toMatchObject({ name: 'Banking v2', enabled: false });
    const enabledOnly = await call(stack, 'GET', '/policies?enabled=true&limit=200');
    expect(enabledOnly.body.items.map((p: { policyId: string }) => p.policyId)).not.toContain(id);
    const disabledOnly = await call(stack, 'GET', '/policies?enabled=false');
    expect(disabledOnly.body.items.map((p: { policyId: string }) => p.policyId)).toContain(id);

    expect((await call(stack, 'DELETE', `/policies/${id}`, { headers: adminAuth })).body).toEqual({ status: 'ok' });
    expect((await call(stack, 'GET', `/policies/${id}`)).status).toBe(404);
    expect((await call(stack, 'DELETE', `/policies/${id}`, { headers: adminAuth })).status).toBe(404);
    expect((await call(stack, 'PATCH', `/policies/${id}`, { headers: adminAuth, body: { enabled: true } })).status).toBe(404);
    const audit = await stack.deps.sql.query<{ action: string }>('SELECT action FROM audit_log WHERE resource = $1 ORDER BY id', [`policy:${id}`]);
    expect(audit.map((a) => a.action)).toEqual(['policy.create', 'policy.update', 'policy.delete']);
  });

  it('rejects bad documents naming each field', async () => {
    const unknown = await create({ name: 'typo', policy: { minConf: 3 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('validation-failed');
    expect(unknown.body.issues.map((i: { path: string }) => i.path)).toEqual(['body.policy.minConf']);
    const bad = await create({ name: 'bad', policy: { minConfs: -1, requiredAncestor: 'nope', minAnonymizationLevel: { type: 'dp' } } });
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.policy.minAnonymizationLevel.epsilon', 'body.policy.minConfs', 'body.policy.requiredAncestor']);
    const missing = await create({ name: 'no policy' });
    expect(missing.status).toBe(400);
    expect(missing.body.issues.map((i: { path: string }) => i.path).join()).toMatch(/policy/);
    const raw = await call(stack, 'POST', '/policies', { raw: '{"name": "x", "policy": {', headers: adminAuth });
    expect(raw.status).toBe(400);
    const id = (await create({ name: 'ok', policy: {} })).body.policyId as string;
    const patch = await call(stack, 'PATCH', `/policies/${id}`, { headers: adminAuth, body: { policy: { maxNullValuePercentage: 101 } } });
    expect(patch.body.issues.map((i: { path: string }) => i.path)).toEqual(['body.policy.maxNullValuePercentage']);
    expect((await call(stack, 'GET', '/policies/not-an-id')).status).toBe(400);
  });

  it('evaluates stored and inline policies on both routes, recording every run', async () => {
    const id = (await create({ name: 'MIT only', policy: { licenseAllowList: ['MIT'], classificationAllowList: ['public'] } })).body.policyId as string;
    const a = await evaluate({ versionId: root.versionId, policyId: id });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ decision: 'block', reasons: ['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED'], warnings: [], evidence: { license: 'cc-by-4.0', classification: 'public' } });
    const b = await evaluate({ versionId: root.versionId.toUpperCase(), policy: { licenseAllowList: ['cc-by-4.0'] } }, '/ready/policy-eval');
    expect(b.body).toMatchObject({ decision: 'allow', reasons: [], warnings: [] });

    const rows = await runs(root.versionId);
    expect(rows.map((r) => [r.policy_id, r.decision, r.source])).toEqual([[id, 'block', 'evaluate'], [null, 'allow', 'evaluate']]);
    expect(rows[0]?.reasons).toEqual(['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED']);
    expect(rows[0]?.policy_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[1]?.policy_hash).not.toBe(rows[0]?.policy_hash);
  });

  it('answers 404 for unknown versions and missing or disabled policies, 400 for bad bodies', async () => {
    const unknownVersion = await evaluate({ versionId: hex64(), policy: {} });
    expect([unknownVersion.status, unknownVersion.body.error]).toEqual([404, 'not-found']);
    const missing = await evaluate({ versionId: root.versionId, policyId: 'pol_0000000000000000' });
    expect([missing.status, missing.body.error]).toEqual([404, 'policy-not-found']);
    const id = (await create({ name: 'off', enabled: false, policy: {} })).body.policyId as string;
    expect((await evaluate({ versionId: root.versionId, policyId: id }, '/ready/policy-eval')).body.error).toBe('policy-not-found');
    expect((await evaluate({ policy: {} })).status).toBe(400);
    expect((await evaluate({ versionId: 'abc', policy: {} })).status).toBe(400);
    expect((await evaluate({ versionId: root.versionId })).status).toBe(400);
    const badInline = await evaluate({ versionId: root.versionId, policy: { maxRowCount: 'many' } });
    expect(badInline.body.issues.map((i: { path: string }) => i.path)).toEqual(['body.policy.maxRowCount']);
  });

  it('reads lineage from the catalog: ancestors, depth, and an incomplete walk', async () => {
    const ok = await evaluate({ versionId: child.versionId, policy: { requiredAncestor: root.versionId, maxLineageDepth: 1 } });
    expect(ok.body).toMatchObject({ decision: 'allow', evidence: { hasRequiredAncestor: true, lineageDepth: 1, lineageComplete: true } });
    const deep = await evaluate({ versionId: child.versionId, policy: { maxLineageDepth: 0 } });
    expect(deep.body.reasons).toEqual(['POLICY.LINEAGE.TOO_DEEP']);
    const missing = await evaluate({ versionId: root.versionId, policy: { requiredAncestor: child.versionId } });
    expect(missing.body.reasons).toEqual(['POLICY.LINEAGE.MISSING_ANCESTOR']);
    const unsure = await evaluate({ versionId: orphan.versionId, policy: { requiredAncestor: root.versionId } });
    expect(unsure.body).toMatchObject({ decision: 'warn', warnings: ['POLICY.LINEAGE.INCOMPLETE'], evidence: { lineageComplete: false } });
  });

  it('reads content, compliance, quality and MLOps facts from the manifest', async () => {
    const r = await evaluate({
      versionId: rich.versionId,
      policy: {
        requiredOntologyTags: ['weather'], requiredMimeTypes: ['text/csv'], geoOriginAllowList: ['EU'], licenseAllowList: ['cc-by-4.0'],
        minRowCount: 100, maxNullValuePercentage: 2, requiresValidSplit: true, maxDriftScore: 0.5,
      },
    });
    expect(r.body).toMatchObject({ decision: 'warn', reasons: [], warnings: ['POLICY.QA.NULL_PERCENT_EXCEEDED'], evidence: { rowCount: 500, geoOrigin: 'DE', split: 'train' } });
    const blocked = await evaluate({ versionId: rich.versionId, policy: { piiFlagsBlockList: ['has_address'], minRowCount: 1000, maxDriftScore: 0.1 } });
    expect(blocked.body).toMatchObject({ decision: 'block', reasons: ['POLICY.COMPLIANCE.PII_BLOCKED', 'POLICY.QA.ROWS_TOO_FEW'], warnings: ['POLICY.MLOPS.DRIFT_TOO_HIGH'] });
    // the plain version declares no stats: the quality rule is skipped, not failed
    const skipped = await evaluate({ versionId: root.versionId, policy: { minRowCount: 1000 } });
    expect(skipped.body).toMatchObject({ decision: 'allow', evidence: { skipped: ['minRowCount'] } });
  });

  it('degrades unconfigured external feeds to warn, saying so', async () => {
    const r = await evaluate({ versionId: root.versionId, policy: { blockIfInThreatFeed: true, minProducerUptime: 99 } });
    expect(r.body).toMatchObject({
      decision: 'warn',
      warnings: ['POLICY.ECON.INPUT_UNAVAILABLE', 'POLICY.SEC.INPUT_UNAVAILABLE'],
      evidence: { unavailable: { minProducerUptime: 'no uptime source configured', blockIfInThreatFeed: 'no threat feed configured' } },
    });
  });

  it('checks confirmations against real headers: unavailable → warn, too few → block, enough → allow', async () => {
    const none = await evaluate({ versionId: root.versionId, policy: { minConfs: 2 } });
    expect(none.body).toMatchObject({ decision: 'warn', warnings: ['POLICY.SPV.INPUT_UNAVAILABLE'], evidence: { unavailable: { minConfs: 'headers-unavailable' } } });
    chain.mine(1);
    chain.mine(1, [root]);
    expect((await postHeaders(stack, chain.best, 0)).status).toBe(200);
    expect((await postProof(stack, root.txid, chain.envelope(root.txid))).status).toBe(200);
    const one = await evaluate({ versionId: root.versionId, policy: { minConfs: 2 } });
    expect(one.body).toMatchObject({ decision: 'block', reasons: ['POLICY.SPV.CONFS_TOO_LOW'], evidence: { confirmations: 1 } });
    chain.mine(1);
    expect((await postHeaders(stack, chain.best.slice(-1))).status).toBe(200);
    const two = await evaluate({ versionId: root.versionId, policy: { minConfs: 2 } });
    expect(two.body).toMatchObject({ decision: 'allow', evidence: { confirmations: 2 } });
  });

  it('GET /ready applies a stored policy on top of SPV and records the run', async () => {
    const strict = (await create({ name: 'MIT', policy: { licenseAllowList: ['MIT'], minConfs: 2 } })).body.policyId as string;
    const lenient = (await create({ name: 'any', policy: { minConfs: 2 } })).body.policyId as string;
    const ok = await call(stack, 'GET', `/ready?versionId=${root.versionId}&policyId=${lenient}`);
    expect(ok.body).toMatchObject({ ready: true, reason: null, policy: { decision: 'allow', evidence: { confirmations: 2 } } });
    const blocked = await call(stack, 'GET', `/ready?versionId=${root.versionId}&policyId=${strict}`);
    expect(blocked.body).toMatchObject({ ready: false, reason: 'policy-blocked', policy: { decision: 'block', reasons: ['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED'] } });
    const missing = await call(stack, 'GET', `/ready?versionId=${root.versionId}&policyId=pol_0000000000000000`);
    expect([missing.status, missing.body.error]).toEqual([404, 'policy-not-found']);
    const rows = (await runs(root.versionId)).filter((r) => r.source === 'ready');
    expect(rows.map((r) => [r.policy_id, r.decision])).toEqual([[lenient, 'allow'], [strict, 'block']]);
  });

  it('blocks a recalled version unless the policy allows recalls', async () => {
    const before = await evaluate({ versionId: child.versionId, policy: { allowRecalled: false } });
    expect(before.body).toMatchObject({ decision: 'allow', evidence: { recalled: false } });
    const adv = await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'BLOCK', reason: 'bad upstream data', targets: { versionIds: [root.versionId] } } });
    expect(adv.status, JSON.stringify(adv.body)).toBe(201);
    const after = await evaluate({ versionId: child.versionId, policy: { allowRecalled: false } });
    expect(after.body).toMatchObject({ decision: 'block', reasons: ['POLICY.SPV.RECALLED_BLOCKED'], evidence: { recalled: true } });
    expect((await evaluate({ versionId: child.versionId, policy: { allowRecalled: true } })).body.decision).toBe('allow');
  });

  it('previews listings cheaply from a brief cache that policy changes invalidate', async () => {
    const items = [{ versionId: root.versionId }, { versionId: rich.versionId }, { versionId: hex64() }];
    const id = (await create({ name: 'preview', policy: { licenseAllowList: ['MIT'], minConfs: 100 } })).body.policyId as string;
    const ctx: RequestCtx = { requestId: 'preview-test', waitUntil: (p) => stack.deps.background.track(p), actor: ANONYMOUS };
    const first = await previewForListings({ deps: stack.deps, ctx, input: { items, policyId: id } });
    // minConfs is SPV: never part of a preview, so only the license decides
    expect(first.map((i) => i.policyPreview?.decision ?? null)).toEqual(['block', 'block', null]);
    expect(first[0]?.policyPreview?.reasons).toEqual(['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED']);
    await stack.settle();

    // change the stored manifest behind the cache's back: the cached preview still answers
    await stack.deps.sql.query(`UPDATE manifests SET body = jsonb_set(body, '{policy,license}', '"MIT"') WHERE version_id = $1`, [root.versionId]);
    expect((await previewForListings({ deps: stack.deps, ctx, input: { items, policyId: id } }))[0]?.policyPreview?.decision).toBe('block');
    // any policy write bumps the `policies` tag through the outbox: the preview is recomputed
    await call(stack, 'PATCH', `/policies/${id}`, { headers: adminAuth, body: { name: 'preview v2' } });
    const after = await previewForListings({ deps: stack.deps, ctx, input: { items, policyId: id } });
    expect(after.map((i) => i.policyPreview?.decision ?? null)).toEqual(['allow', 'block', null]);

    const byDefault = await previewForListings({ deps: stack.deps, ctx, input: { items: [{ versionId: child.versionId }] } });
    expect(byDefault[0]?.policyPreview).toEqual({ decision: 'allow', reasons: [], warnings: [] });
    await expect(previewForListings({ deps: stack.deps, ctx, input: { items, policyId: 'pol_0000000000000000' } })).rejects.toMatchObject({ code: 'policy-not-found' });
    await stack.settle();
  });

  it('adds the preview to GET /listings only when asked', async () => {
    const id = (await create({ name: 'public only', policy: { classificationAllowList: ['public'] } })).body.policyId as string;
    const plain = await call(stack, 'GET', '/listings?limit=200');
    expect(plain.status).toBe(200);
    expect(plain.body.items[0]).not.toHaveProperty('policyPreview');
    const r = await call(stack, 'GET', `/listings?limit=200&policyPreview=true&policyId=${id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const by = new Map(r.body.items.map((i: { versionId: string; policyPreview: unknown }) => [i.versionId, i.policyPreview]));
    expect(by.get(child.versionId)).toEqual({ decision: 'allow', reasons: [], warnings: [] });
    expect(by.get(rich.versionId)).toEqual({ decision: 'block', reasons: ['POLICY.PROVENANCE.CLASSIFICATION_NOT_ALLOWED'], warnings: [] });
    const missing = await call(stack, 'GET', '/listings?policyPreview=true&policyId=pol_0000000000000000');
    expect([missing.status, missing.body.error]).toEqual([404, 'policy-not-found']);
  });
}
