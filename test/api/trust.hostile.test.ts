/**
 * Hostile input to the trust routes: every case gets a clear reason, never a 500. Also the
 * Bitcoin genesis header as a fixed real vector, and a cyclic lineage planted in the edges table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, embeddedDeps, type TestStack } from '../support/deps';
import type { Publication } from '../support/dlm1';
import { mineChain } from '../support/chain';
import { call, getBundle, getReady, postHeaders, postProof, publish, TestChain } from '../support/trust-world';

const GENESIS =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';

describe('Bitcoin genesis as the checkpoint', () => {
  let stack: TestStack;
  beforeAll(async () => void (stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' })));
  afterAll(() => stack?.close());

  it('an empty store has no tip (404), then takes the genesis header at height 0', async () => {
    expect((await call(stack, 'GET', '/headers/tip')).body).toMatchObject({ status: 404, hint: 'no-headers' });
    const r = await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: [GENESIS] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ inserted: 1, tip: { height: 0, hash: GENESIS_HASH }, reorg: null });
    expect((await call(stack, 'GET', '/headers/tip')).body).toMatchObject({ height: 0, hash: GENESIS_HASH, unstable: false });
    // the same header again is a no-op
    expect((await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: [GENESIS] } })).body.inserted).toBe(0);
  });
});

describe('hostile input to the trust routes', () => {
  let stack: TestStack;
  const chain = new TestChain();
  let A: Publication, B: Publication, C: Publication;

  beforeAll(async () => {
    stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', MIN_CONFS: '1' });
    A = await publish(stack);
    B = await publish(stack, [A.versionId]);
    C = await publish(stack, [B.versionId]);
    chain.mine(1);
    chain.mine(1, [A, B, C]);
    chain.mine(2);
    expect((await postHeaders(stack, chain.best, 0)).status).toBe(200);
  }, 60_000);
  afterAll(() => stack?.close());

  it('bad ids and depths are 400 naming the field', async () => {
    for (const q of ['versionId=xyz', `versionId=${'a'.repeat(63)}`, `versionId=${'a'.repeat(64)}&depth=-1`, `versionId=${'a'.repeat(64)}&depth=x`, '']) {
      const r = await call(stack, 'GET', `/bundle?${q}`);
      expect(r.status, q).toBe(400);
    }
    expect((await call(stack, 'GET', '/bundle?versionId=zz')).body).toMatchObject({ error: 'bad-request', hint: 'Provide versionId=64-hex' });
    expect((await call(stack, 'GET', '/ready?versionId=zz')).status).toBe(400);
    expect((await call(stack, 'GET', `/ready?versionId=${A.versionId}&policyId=a|b`)).status).toBe(400);
    expect((await call(stack, 'GET', '/advisories?versionId=1')).status).toBe(400);
  });

  it('headers that do not link, are malformed or lack their proof of work are rejected, nothing stored', async () => {
    const orphan = mineChain(1, { parent: { hash: 'ab'.repeat(32), height: 10 } });
    const r = await postHeaders(stack, orphan);
    expect(r.status).toBe(400);
    expect(r.body.issues[0]).toMatchObject({ path: 'body.headers.0' });
    expect(r.body.issues[0].message).toContain('unknown');
    const bad = await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: ['00'.repeat(79)] } });
    expect(bad.status).toBe(400);
    // a header whose hash misses its target: bits far harder than the nonce was ground for
    const weak = mineChain(1, { parent: chain.tip })[0]!.hex.slice(0, 144) + '00000000' + '00000000';
    const pow = await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: [weak] } });
    expect(pow.status).toBe(400);
    expect((await call(stack, 'POST', '/headers', { body: { headers: [chain.tip.hex] } })).status).toBe(401);
    expect((await call(stack, 'GET', '/headers/tip')).body.height).toBe(3);
  });

  it('malformed envelopes are 400 with the field; wrong proofs are 409 with the SPV reason', async () => {
    const good = chain.envelope(A.txid);
    const cases: Array<[string, unknown, number, string]> = [
      ['no rawTx', { ...good, rawTx: undefined }, 400, ''],
      ['rawTx not hex', { ...good, rawTx: 'zz' }, 400, ''],
      ['path too long', { ...good, proof: { ...good.proof, path: [...good.proof.path, { hash: 'cd'.repeat(32), position: 'left' }] } }, 409, 'invalid-merkle-path'],
      ['path too short', { ...good, proof: { ...good.proof, path: good.proof.path.slice(1) } }, 409, 'invalid-merkle-path'],
      ['sibling flipped', { ...good, proof: { ...good.proof, path: good.proof.path.map((s, i) => (i === 0 ? { ...s, position: s.position === 'left' ? 'right' : 'left' } : s)) } }, 409, 'invalid-merkle-path'],
      ['unknown block', { ...good, block: { blockHash: 'ef'.repeat(32), blockHeight: 1 } }, 409, 'unknown-block-hash'],
      ['wrong height', { ...good, block: { ...good.block, blockHeight: 2 } }, 409, 'block-height-mismatch'],
      ['rawTx of another tx', { ...good, rawTx: B.rawTx }, 409, 'txid-mismatch-rawtx-vs-proof'],
      ['top-level txid differs', { ...good, txid: B.txid }, 409, 'txid-mismatch-top-level-vs-proof'],
    ];
    for (const [name, envelope, status, hint] of cases) {
      const r = await postProof(stack, A.txid, envelope);
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(status);
      if (hint) expect(r.body, name).toMatchObject({ error: 'invalid-envelope', hint });
      else expect(r.body.error, name).toBe('validation-failed');
    }
    // a valid proof, but of another declaration's transaction
    const other = await postProof(stack, A.txid, chain.envelope(B.txid));
    expect(other.body).toMatchObject({ status: 409, error: 'invalid-envelope', hint: 'txid-mismatch-declaration' });
    expect((await postProof(stack, 'ab'.repeat(32), good)).status).toBe(404);
    // nothing above was stored
    expect((await getReady(stack, A.versionId)).body).toMatchObject({ ready: false, reason: `missing-envelope:${A.versionId}` });
  });

  it('a cyclic lineage (planted in edges) terminates: every node once, the cycle edge reported', async () => {
    for (const p of [A, B, C]) expect((await postProof(stack, p.txid, chain.envelope(p.txid))).status).toBe(200);
    await stack.deps.sql.query('INSERT INTO edges (child_version_id, parent_version_id) VALUES ($1, $2)', [A.versionId, C.versionId]);
    const b = await getBundle(stack, C.versionId, 20);
    expect(b.status).toBe(200);
    expect(b.body.graph.nodes.map((n: { versionId: string }) => n.versionId).sort()).toEqual([A, B, C].map((p) => p.versionId).sort());
    expect(b.body.graph.edges).toContainEqual({ child: A.versionId, parent: C.versionId });
    expect((await getReady(stack, C.versionId)).body).toMatchObject({ ready: true, reason: null, confirmations: 3 });
  });

  it('/ready with a policy: its decision is attached, a block makes the version not ready, an unknown policy is 404', async () => {
    const lenient = await call(stack, 'POST', '/policies', { headers: adminAuth, body: { name: 'lenient', policy: { minConfs: 1 } } });
    expect(lenient.status, JSON.stringify(lenient.body)).toBeLessThan(300);
    const ok = await getReady(stack, C.versionId, lenient.body.policyId);
    expect(ok.body).toMatchObject({ ready: true, policy: { decision: 'allow' } });
    const strict = await call(stack, 'POST', '/policies', { headers: adminAuth, body: { name: 'strict', policy: { minConfs: 100 } } });
    const blocked = await getReady(stack, C.versionId, strict.body.policyId);
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ ready: false, reason: 'policy-blocked', policy: { decision: 'block' } });
    const missing = await getReady(stack, C.versionId, 'pol_0000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('policy-not-found');
  });

  it('advisories with bad bodies are 400', async () => {
    const bodies = [
      { type: 'NOPE', reason: 'x', targets: { versionIds: [A.versionId] } },
      { type: 'BLOCK', reason: 'x', targets: {} },
      { type: 'BLOCK', reason: 'x', targets: { versionIds: ['nothex'] } },
      { type: 'BLOCK', reason: '', targets: { versionIds: [A.versionId] } },
      { type: 'BLOCK', reason: 'x', targets: { producerIds: ['prod_zz'] } },
    ];
    for (const body of bodies) expect((await call(stack, 'POST', '/advisories', { headers: adminAuth, body })).status, JSON.stringify(body)).toBe(400);
  });
});
