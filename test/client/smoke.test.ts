import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StrataProblem } from '@strata/client';
import { embeddedDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { clientOf } from '../support/client';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps();
});
afterAll(() => stack.close());

it('publishes, lists and reads back a version; a missing one throws a typed problem', async () => {
  const key = PrivateKey.fromRandom();
  const strata = clientOf(stack, { signer: key });
  expect((await strata.health()).status).toBeDefined();
  const p = makePublication({}, { signer: key });
  const r = await strata.submit({ rawTx: p.rawTx, manifest: p.manifest } as never);
  expect(r.versionId).toBe(p.versionId);
  const one = await strata.listing(p.versionId);
  expect(one.versionId).toBe(p.versionId);
  const err = await strata.listing('0'.repeat(64)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StrataProblem);
  expect((err as StrataProblem).code).toBe('not-found');
  expect((err as StrataProblem).requestId).not.toBe('');
});
