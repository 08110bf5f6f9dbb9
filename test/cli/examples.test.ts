/**
 * The runnable examples (examples/*.ts) against an embedded server filled by the demo, so they
 * cannot rot: each runs through the typed client and its result is checked against the API.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '@strata/client/demo/marketplace';
import { run as browse } from '../../examples/browse';
import { run as lineageTree } from '../../examples/lineage-tree';
import { run as policyCheck } from '../../examples/policy-check';
import { run as openlineageRun } from '../../examples/openlineage-run';
import { run as watchConfirmations } from '../../examples/watch-confirmations';
import { connect } from '../../examples/connect';
import { embeddedDeps, TEST_ADMIN_TOKEN, type TestStack } from '../support/deps';
import { APP_BASE, clientOf } from '../support/client';

describe('examples/', () => {
  let stack: TestStack;
  let ids: Record<string, string>;
  const lines: string[] = [];
  const print = (l: string) => lines.push(l);
  beforeAll(async () => {
    stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', OL_QUERY_RATE_PER_MIN: '0', PUBLIC_BASE_URL: APP_BASE });
    const r = await runDemo({ client: (k) => clientOf(stack, k ? { signer: k } : {}), blocks: 1 });
    ids = Object.fromEntries(r.versions.map((v) => [v.key, v.versionId]));
  }, 120_000);
  afterAll(async () => stack?.close());

  it('every example is tested here', async () => {
    const files = (await readdir(new URL('../../examples/', import.meta.url))).filter((f) => f.endsWith('.ts')).sort();
    expect(files).toEqual(['browse.ts', 'connect.ts', 'lineage-tree.ts', 'openlineage-run.ts', 'policy-check.ts', 'watch-confirmations.ts']);
  });

  it('connect: STRATA_URL and tokens from the environment', async () => {
    const c = await connect({ STRATA_URL: 'http://127.0.0.1:9', STRATA_ADMIN_TOKEN: TEST_ADMIN_TOKEN, STRATA_HOME: '/nonexistent' });
    expect(c.baseUrl).toBe('http://127.0.0.1:9');
  });

  it('browse: every listed version with its price and readiness', async () => {
    const rows = await browse(clientOf(stack), print);
    expect(rows).toHaveLength(Object.keys(ids).length);
    expect(rows.every((r) => r.ready && r.confirmations === 1)).toBe(true);
    const pie = rows.find((r) => r.versionId === ids['recipes-v2'])!;
    expect(pie.satoshis).toBe((await clientOf(stack).price(ids['recipes-v2']!)).satoshis);
  });

  it('lineage-tree: the ancestry, indented', async () => {
    const tree = await lineageTree(clientOf(stack), print, ids['popular-dishes']!);
    expect(tree).toEqual([
      'Popular dishes per week (food-delivery/popular-dishes-weekly, 1 conf)',
      '  Orders, deduplicated (food-delivery/orders-clean, 1 conf)',
      '    Orders, raw export (food-delivery/orders-raw, 1 conf)',
      '  Restaurant menus (food-delivery/menus, 1 conf)',
    ]);
  });

  it('policy-check: allow for public CC-BY data, block for an internal licence', async () => {
    expect((await policyCheck(clientOf(stack), print, ids['recipes-v2']!)).decision).toBe('allow');
    const blocked = await policyCheck(clientOf(stack), print, ids['orders-clean']!);
    expect(blocked.decision).toBe('block');
    expect(blocked.reasons).toEqual(expect.arrayContaining(['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED', 'POLICY.PROVENANCE.CLASSIFICATION_NOT_ALLOWED']));
  });

  it('openlineage-run: the run is stored and its output has the input upstream', async () => {
    const r = await openlineageRun(clientOf(stack), print);
    expect(r.nodes).toEqual(expect.arrayContaining(['examples:reports.daily_rain', 'examples:weather.hourly']));
    expect((await clientOf(stack).lineageRun(r.runId)).run.state).toBe('COMPLETE');
  });

  it('watch-confirmations: one more confirmation per block', async () => {
    expect(await watchConfirmations(clientOf(stack), print, ids['menus']!, 3)).toEqual([2, 3, 4]);
  });
});
