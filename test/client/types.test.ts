/**
 * The client's types are the app's: packages/client/src/api.generated.ts must equal what the
 * generator makes from the /openapi.json the app serves now. A route or schema changed without
 * `npm run docs` fails here; once regenerated, client code that no longer fits fails
 * `npm run typecheck` (test/client/app-types.ts pins a few shapes to the server's own zod types).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '@strata/client';
import { IDEMPOTENT_POSTS, NON_IDEMPOTENT_GETS, operationKey, operationMeta } from '@strata/client/client';
import { clientTypesText, operationAuth } from '../../packages/client/codegen';
import { CLIENT_TYPES } from '../../functions/docs';
import { embeddedDeps, type TestStack } from '../support/deps';

let stack: TestStack;
let doc: Record<string, any>;
beforeAll(async () => {
  stack = await embeddedDeps();
  doc = (await (await stack.app.request('/openapi.json')).json()) as Record<string, any>;
});
afterAll(() => stack.close());

describe('the generated client types', () => {
  it('equal what the served OpenAPI document generates (run `npm run docs` after a route change)', async () => {
    const committed = readFileSync(CLIENT_TYPES, 'utf8');
    const fresh = await clientTypesText(doc);
    if (committed !== fresh) {
      const a = committed.split('\n');
      const b = fresh.split('\n');
      const at = a.findIndex((l, i) => l !== b[i]);
      expect.fail(`packages/client/src/api.generated.ts is stale at line ${at + 1}:\n- ${a[at]}\n+ ${b[at]}\nRun \`npm run docs\`.`);
    }
  }, 60_000);

  it('know every operation of the document with its credentials', () => {
    expect(OPERATIONS).toEqual(operationAuth(doc));
    expect(Object.keys(OPERATIONS).length).toBeGreaterThan(50);
    expect(OPERATIONS['POST /v1/uploads']).toEqual({ identity: 'required' });
    expect(OPERATIONS['POST /agents/register']).toEqual({ identity: 'optional' });
    expect(OPERATIONS['POST /api/v1/lineage']).toEqual({ bearer: 'ingest' });
    expect(OPERATIONS['POST /headers']).toEqual({ bearer: 'admin' });
    expect(OPERATIONS['GET /listings']).toEqual({});
  });

  it('retry only GET/HEAD/PUT/DELETE and the POSTs the API documents as idempotent; every listed one exists', () => {
    for (const k of [...IDEMPOTENT_POSTS, ...NON_IDEMPOTENT_GETS]) expect(Object.keys(OPERATIONS)).toContain(k);
    expect(operationMeta('POST', '/pay').idempotent).toBe(false);
    expect(operationMeta('POST', '/api/v1/lineage').idempotent).toBe(false);
    expect(operationMeta('POST', '/policies').idempotent).toBe(false);
    expect(operationMeta('PATCH', '/policies/pol_1').idempotent).toBe(false);
    expect(operationMeta('GET', '/v1/data').idempotent).toBe(false);
    expect(operationMeta('GET', '/ready').idempotent).toBe(true);
    expect(operationMeta('DELETE', '/policies/pol_1').idempotent).toBe(true);
    expect(operationMeta('POST', '/v1/uploads/upl_0123456789abcdef01234567/complete')).toEqual({ idempotent: true, identity: 'required', bearer: undefined });
  });

  it('map concrete paths to their operation, literal segments before parameters', () => {
    expect(operationKey('GET', '/agents/search?q=x')).toBe('GET /agents/search');
    expect(operationKey('GET', '/agents/ag_1')).toBe('GET /agents/{id}');
    expect(operationKey('POST', '/ready/policy-eval')).toBe('POST /ready/policy-eval');
    expect(operationKey('GET', '/openlineage/nodes/dataset/ns/a')).toBe('GET /openlineage/nodes/dataset/{namespace}/{name}');
    expect(operationKey('GET', '/nothing/here')).toBeUndefined();
  });
});
