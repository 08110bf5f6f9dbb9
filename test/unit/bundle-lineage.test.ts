/**
 * The lineage walk and the invalidation walk on PGlite: depth cap and truncation, shallowest
 * depth for nodes reached twice, cycles, unknown parents, descendants; the BUMP spelling of
 * envelopes; and a failing policy evaluator degrading /ready's policy to warn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { loadParentChain, parentChainEdges } from '@strata/core/bundle/parent-chain-sql';
import { withDescendants } from '@strata/core/bundle/invalidate';
import { toSpvForm, toStoredForm } from '@strata/core/bundle/envelope-form';
import { readyDecision } from '@strata/core/bundle/ready-decision';
import { testCtx } from '../support/ctx';
import { embeddedDeps, type TestStack } from '../support/deps';

const id = () => randomBytes(32).toString('hex');

describe('lineage walk', () => {
  let stack: TestStack;
  // a ← b ← c ← d (d is the target), plus d ← a directly (a reached at depth 1 and 3), plus c → ghost (unknown)
  const [a, b, c, d, ghost] = [id(), id(), id(), id(), id()];

  beforeAll(async () => {
    stack = await embeddedDeps();
    for (const v of [a, b, c, d]) await stack.deps.sql.query(`INSERT INTO manifests (version_id, body) VALUES ($1, '{}'::jsonb)`, [v]);
    const edges: Array<[string, string]> = [[d, c], [c, b], [b, a], [d, a], [c, ghost]];
    for (const [child, parent] of edges) await stack.deps.sql.query('INSERT INTO edges (child_version_id, parent_version_id) VALUES ($1, $2)', [child, parent]);
  });
  afterAll(() => stack?.close());

  it('walks every ancestor once at its shallowest depth; unknown parents come back without a manifest', async () => {
    const nodes = await loadParentChain(stack.deps.sql, d, 10);
    const byId = new Map(nodes.map((n) => [n.versionId, n]));
    expect(nodes[0]!.versionId).toBe(d);
    expect(nodes).toHaveLength(5);
    expect(byId.get(a)!.depth).toBe(1);
    expect(byId.get(ghost)!.manifest).toBeNull();
    expect(byId.get(c)!.parents).toEqual([b, ghost].sort());
    expect(nodes.some((n) => n.truncated)).toBe(false);
    expect(parentChainEdges(nodes)).toHaveLength(5);
  });

  it('cuts at the depth cap and says so', async () => {
    const nodes = await loadParentChain(stack.deps.sql, d, 1);
    expect(nodes.map((n) => n.versionId).sort()).toEqual([a, c, d].sort());
    const cNode = nodes.find((n) => n.versionId === c)!;
    expect(cNode).toMatchObject({ parents: [], truncated: true });
    expect(parentChainEdges(nodes)).toHaveLength(2);
  });

  it('terminates on a cycle and on an unknown target', async () => {
    await stack.deps.sql.query('INSERT INTO edges (child_version_id, parent_version_id) VALUES ($1, $2)', [a, d]);
    const nodes = await loadParentChain(stack.deps.sql, d, 50);
    expect(new Set(nodes.map((n) => n.versionId)).size).toBe(nodes.length);
    expect(nodes).toHaveLength(5);
    const unknown = await loadParentChain(stack.deps.sql, id(), 8);
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.manifest).toBeNull();
  });

  it('descendants of a changed version include every bundle target that can reach it', async () => {
    expect(await withDescendants(stack.deps.sql, [b], 10)).toEqual([a, b, c, d].sort()); // a → d → c → b via the planted cycle
    expect(await withDescendants(stack.deps.sql, [ghost], 1)).toEqual([c, ghost].sort());
    expect(await withDescendants(stack.deps.sql, [], 5)).toEqual([]);
  });
});

describe('envelope spellings', () => {
  it('converts a BUMP between the stored string and the verifier object, and drops confirmations', () => {
    const stored = { rawTx: '00', proof: 'beef', block: { blockHash: 'x', blockHeight: 1 } };
    expect(toSpvForm(stored)).toEqual({ ...stored, proof: { bump: 'beef' } });
    expect(toStoredForm({ ...stored, proof: { bump: 'beef' }, confirmations: 99 })).toEqual(stored);
    const path = { rawTx: '00', proof: { txid: 't', merkleRoot: 'm', path: [] }, block: {} };
    expect(toSpvForm(path)).toBe(path);
    expect(toStoredForm('nope')).toBe('nope');
  });
});

describe('readyDecision with a policy', () => {
  let stack: TestStack;
  beforeAll(async () => void (stack = await embeddedDeps()));
  afterAll(() => stack?.close());
  const decide = (input: { versionId: string; policyId?: string }) =>
    readyDecision({ deps: stack.deps, ctx: testCtx(), input });

  it('a policy evaluation that fails degrades to warn; an unknown policy passes through', async () => {
    const v = id();
    await stack.deps.sql.query(`INSERT INTO manifests (version_id, body) VALUES ($1, '{}'::jsonb)`, [v]);
    const runs = async () => (await stack.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM policy_runs WHERE version_id = $1', [v]))[0]!.n;
    const evaluated = await decide({ versionId: v, policyId: 'pol_default' });
    expect(evaluated).toMatchObject({ ready: false, reason: 'headers-unavailable' });
    expect(evaluated.policy?.warnings).not.toContain('POLICY.EVALUATOR.UNAVAILABLE');
    expect(await runs()).toBe(1);
    // the policy domain fails for real: its run cannot be recorded
    await stack.deps.sql.query('ALTER TABLE policy_runs RENAME TO policy_runs_away');
    try {
      const broken = await decide({ versionId: v, policyId: 'pol_default' });
      expect(broken).toMatchObject({ ready: false, reason: 'headers-unavailable', policy: { decision: 'warn', warnings: ['POLICY.EVALUATOR.UNAVAILABLE'] } });
    } finally {
      await stack.deps.sql.query('ALTER TABLE policy_runs_away RENAME TO policy_runs');
    }
    expect(await runs()).toBe(1);
    await expect(decide({ versionId: v, policyId: 'pol_x' })).rejects.toMatchObject({ code: 'policy-not-found' });
    expect(await decide({ versionId: id() })).toEqual({ ready: false, reason: 'not-found', confirmations: 0, bestHeight: null, warnings: [] });
  });
});
