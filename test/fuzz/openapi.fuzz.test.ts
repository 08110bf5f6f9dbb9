/**
 * The schema-driven fuzz (test/fuzz/openapi-fuzz.ts) at CI size: FUZZ_COUNT requests (default
 * 5,000) per backend — the embedded default (PGlite + memory Kv) and PostgreSQL + Redis — sent
 * to the app's fetch in-process. No 5xx, every 4xx a problem naming what was wrong, nothing
 * stored by a refused request. `npm run fuzz` runs the same thing longer (test/fuzz/run.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDeps, serviceDeps, TEST_ADMIN_TOKEN, TEST_INGEST_TOKEN, type TestStack } from '../support/deps';
import { describeWith } from '../support/reachable';
import { runFuzz, type FuzzReport } from './openapi-fuzz';

const COUNT = Number(process.env.FUZZ_COUNT ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
export const FUZZ_ENV = { RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_SUBMIT_PER_MIN: '0', OL_QUERY_RATE_PER_MIN: '0', LOG_LEVEL: 'silent' };

function check(name: string, r: FuzzReport, count = COUNT): void {
  // the numbers the report quotes
  console.log(`${name}: seed ${r.seed}, ${r.requests} requests, ${r.covered.length}/${r.operations.length} operations, 5xx ${r.fiveXx}, statuses ${JSON.stringify(r.statuses)}`);
  const kinds = new Map<string, number>();
  for (const f of r.findings) {
    const k = `${f.kind} ${f.status} ${f.request.op} ${f.detail.replace(/"requestId":"[^"]*"/, '').slice(0, 160)}`;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  for (const [k, n] of kinds) console.log(n, k);
  const shown = r.findings.slice(0, 5).map((f) => `${f.kind} ${f.status} ${f.request.method} ${f.request.url}\n  body: ${f.request.body}\n  headers: ${JSON.stringify(f.request.headers)}\n  answer: ${f.detail}`);
  expect(r.findings, `seed ${r.seed} (rerun: FUZZ_SEED=${r.seed})\n${shown.join('\n')}`).toEqual([]);
  expect(r.requests).toBeGreaterThanOrEqual(count);
  expect(r.covered).toEqual([...r.operations].sort());
}

const target = (stack: TestStack) => ({
  fetch: (req: Request) => stack.app.fetch(req, { incoming: { socket: { remoteAddress: '198.51.100.9' } } }) as Promise<Response>,
  sql: stack.deps.sql,
  settle: stack.settle,
  tokens: { admin: TEST_ADMIN_TOKEN, ingest: TEST_INGEST_TOKEN },
});

describe('fuzz: embedded default (PGlite + memory)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps(FUZZ_ENV);
  });
  afterAll(async () => stack?.close());
  it(`${COUNT} generated requests: no 5xx, problems name the field, refused requests store nothing`, async () => {
    check('embedded', await runFuzz(target(stack), { count: COUNT, seed: SEED }));
  }, 180_000);
});

await describeWith(['postgres', 'redis'], 'fuzz: PostgreSQL + Redis', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await serviceDeps({ kv: 'redis', env: FUZZ_ENV });
  });
  afterAll(async () => stack?.close());
  it(`${COUNT} generated requests: no 5xx, problems name the field, refused requests store nothing`, async () => {
    check('postgres+redis', await runFuzz(target(stack), { count: COUNT, seed: SEED + 1 }));
  }, 180_000);
  it(`${Math.ceil(COUNT / 5)} more with Redis refusing connections: 503 is the only 5xx, and only as a problem`, async () => {
    await stack.kvDown!(true);
    try {
      const r = await runFuzz(target(stack), { count: Math.ceil(COUNT / 5), seed: SEED + 2, allow503: true });
      console.log(`postgres+redis, Redis down: ${r.unavailable} answers 503`);
      check('postgres+redis (Redis down)', r, Math.ceil(COUNT / 5));
    } finally {
      await stack.kvDown!(false);
    }
  }, 180_000);
});
