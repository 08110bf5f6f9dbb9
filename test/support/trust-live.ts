/**
 * /ready reads only live facts per request (ADR 0052), written once and run on every stack: a
 * layered depth-8 lineage (25 versions, 3 parents each) proven in one block; nothing a reorg, an
 * advisory or a policy edit changes may be served stale — each flips the answer on the very next
 * call — and declarations proven before the digest existed are verified in full once, then never.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestStack } from './deps';
import { replyOf } from './catalog-http';
import { clientOf } from './client';
import type { Publication } from './dlm1';
import { tripsOf, type ExtraCounters } from './round-trips';
import { getReady, postHeaders, postProof, publish, TestChain } from './trust-world';

export const LIVE_ENV = { MIN_CONFS: '2', RATE_LIMIT_PER_MIN: '0', FEATURE_FLAGS_JSON: '{"lineageHooks":false}' };

const ENVELOPE_CHECKS: ExtraCounters = {
  'envelopes.digest': ['strata_ready_envelopes_total', { check: 'digest' }],
  'envelopes.full': ['strata_ready_envelopes_total', { check: 'full' }],
};

/** Round trips (`tier.op`) and envelope checks (`envelopes.digest|full`) that `fn` caused (zeros left out). */
export function costOf(stack: TestStack, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  return tripsOf(stack, fn, ENVELOPE_CHECKS);
}

/** Registers the scenario on a stack built by `open`; `roundTrips` also asserts the storage bound. */
export function liveReadyScenario(open: () => Promise<TestStack>, opts: { roundTrips: boolean }): void {
  let stack: TestStack;
  const chain = new TestChain();
  const levels: Publication[][] = [];
  let target: Publication;

  beforeAll(async () => {
    stack = await open();
    // depth 8: the target, then 8 levels of 3 versions, each version deriving from the whole level above
    // the deepest level's third version names its producer (the producer advisory's target)
    const producer = { provenance: { createdAt: '2025-01-01T00:00:00Z' } };
    levels.push([await publish(stack), await publish(stack), await publish(stack, [], producer, PrivateKey.fromRandom())]);
    for (let d = 1; d < 8; d++) {
      const parents = levels[d - 1]!.map((p) => p.versionId);
      levels.push([await publish(stack, parents), await publish(stack, parents), await publish(stack, parents)]);
    }
    target = await publish(stack, levels[7]!.map((p) => p.versionId));
    const all = [target, ...levels.flat()];
    chain.mine(1);
    chain.mine(1, all);
    chain.mine(1);
    expect((await postHeaders(stack, chain.best, 0)).status).toBe(200);
    for (const p of all) expect((await postProof(stack, p.txid, chain.envelope(p.txid))).status).toBe(200);
    await stack.settle();
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('decides from stored digests: the whole depth-8 lineage, no SPV re-verification', async () => {
    let body: unknown;
    const cost = await costOf(stack, async () => {
      body = (await getReady(stack, target.versionId)).body;
    });
    expect(body).toEqual({ ready: true, reason: null, confirmations: 2, bestHeight: 2, warnings: [] });
    expect(cost['envelopes.digest']).toBe(25);
    expect(cost['envelopes.full']).toBeUndefined();
  });

  if (opts.roundTrips) {
    it('a warm /ready at depth 8 costs one storage round trip (bound: two), with a stored policy three', async () => {
      const plain = await costOf(stack, () => getReady(stack, target.versionId));
      expect(plain).toEqual({ 'sql.query': 1, 'envelopes.digest': 25 });

      const c = replyOf(await clientOf(stack).api.POST('/policies', { body: { name: 'rt', policy: { minConfs: 1 } } }));
      expect(c.status).toBe(201);
      await getReady(stack, target.versionId, c.body.policyId); // warms the policy document
      await stack.settle();
      const withPolicy = await costOf(stack, () => getReady(stack, target.versionId, c.body.policyId));
      // readiness (1) + the policy's own lineage facts (1) + the policy_runs record (1); the document is a cache hit
      expect(withPolicy).toEqual({ 'sql.query': 3, 'envelopes.digest': 25 });
    });
  }

  it('a declaration proven before the digest existed (or with an older digest) is verified in full once, then settles from its stored digest', async () => {
    const mid = levels[4]![1]!;
    const older = levels[6]![0]!;
    await stack.deps.sql.query(`UPDATE declarations SET spv_digest = NULL WHERE version_id = $1`, [mid.versionId]);
    // a digest of another format version is not trusted either, and is replaced
    await stack.deps.sql.query(`UPDATE declarations SET spv_digest = '{"v": 0, "kind": "live"}' WHERE version_id = $1`, [older.versionId]);
    const first = await costOf(stack, async () => {
      expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: true, confirmations: 2 });
    });
    expect(first).toMatchObject({ 'envelopes.full': 2, 'envelopes.digest': 23 });
    await stack.settle();
    for (const p of [mid, older]) {
      const row = await stack.deps.sql.query(`SELECT spv_digest FROM declarations WHERE version_id = $1`, [p.versionId]);
      expect(row[0]!.spv_digest).toMatchObject({ v: 1, kind: 'proof', txid: p.txid });
    }
    const next = await costOf(stack, () => getReady(stack, target.versionId));
    expect(next['envelopes.full']).toBeUndefined();
    expect(next['envelopes.digest']).toBe(25);
  });

  it('a digest never outlives its envelope: rewriting proof_json alone clears it', async () => {
    const v = levels[0]![0]!;
    await stack.deps.sql.query(`UPDATE declarations SET proof_json = proof_json || '{"ts": 1}'::jsonb WHERE version_id = $1`, [v.versionId]);
    const row = await stack.deps.sql.query(`SELECT spv_digest FROM declarations WHERE version_id = $1`, [v.versionId]);
    expect(row[0]!.spv_digest).toBeNull();
    expect((await costOf(stack, () => getReady(stack, target.versionId)))['envelopes.full']).toBe(1);
    await stack.settle();
  });

  it('a policy edit between two calls changes the decision on the very next call', async () => {
    const c = replyOf(await clientOf(stack).api.POST('/policies', { body: { name: 'live', policy: { minConfs: 1 } } }));
    const id = c.body.policyId as string;
    const a = await getReady(stack, target.versionId, id);
    expect(a.body).toMatchObject({ ready: true, reason: null, policy: { decision: 'allow' } });
    const b = await getReady(stack, target.versionId, id); // served with the document cached
    expect(b.body).toMatchObject({ ready: true, policy: { decision: 'allow' } });
    expect((await clientOf(stack).api.PATCH('/policies/{id}', { params: { path: { id } }, body: { policy: { minConfs: 50 } } })).response.status).toBe(200);
    const after = await getReady(stack, target.versionId, id);
    expect(after.body).toMatchObject({ ready: false, reason: 'policy-blocked', policy: { decision: 'block' } });
  });

  it('a new block between two calls raises confirmations on the very next call', async () => {
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ confirmations: 2, bestHeight: 2 });
    expect((await postHeaders(stack, chain.mine(1))).status).toBe(200);
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: true, confirmations: 3, bestHeight: 3 });
  });

  it('an advisory on a producer deep in the lineage, posted between two calls, flips it on the very next call', async () => {
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: true });
    const rows = await stack.deps.sql.query(`SELECT producer_id FROM assets WHERE version_id = $1`, [levels[0]![2]!.versionId]);
    const producer = rows[0]!.producer_id as string;
    expect(producer).toMatch(/^prod_[0-9a-f]{16}$/);
    const a = replyOf(await clientOf(stack).api.POST('/advisories', { body: { type: 'BLOCK', reason: 'recalled', targets: { producerIds: [producer] } } }));
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: false, reason: 'advisory-blocked' });
    // lifted: an advisory that has expired no longer applies
    await stack.deps.sql.query(`UPDATE advisories SET expires_at = now() - interval '1 second' WHERE advisory_id = $1`, [a.body.advisoryId]);
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: true, reason: null });
  });

  it('a reorg between two calls flips the answer on the very next call, and the new proofs flip it back', async () => {
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: true });
    // a heavier branch from h0: the block holding every declaration leaves the best chain
    const h0 = chain.best[0]!;
    const all = [target, ...levels.flat()];
    const branch = chain.mine(chain.tip.height - h0.height + 1, all, h0);
    const r = await postHeaders(stack, branch);
    expect(r.status).toBe(200);
    expect(r.body.reorg.forkHeight).toBe(0);
    chain.adopt(branch);
    expect((await getReady(stack, target.versionId)).body).toMatchObject({ ready: false, reason: 'unknown-block-hash', confirmations: 0 });
    for (const p of all) expect((await postProof(stack, p.txid, chain.envelope(p.txid, branch[0]!.hash))).status).toBe(200);
    const back = await getReady(stack, target.versionId);
    expect(back.body).toMatchObject({ ready: true, reason: null, confirmations: chain.tip.height - branch[0]!.height + 1 });
  });
}
