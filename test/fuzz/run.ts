/**
 * `npm run fuzz` — the long run of the schema-driven fuzz (test/fuzz/openapi-fuzz.ts).
 *
 *   npm run fuzz -- --count 50000 --seed 42 --backend embedded|services|both
 *
 * Defaults: 20,000 requests, a random seed (printed), both backends (services need the local
 * PostgreSQL and Redis). Exits 1 and prints the seed and the first findings when anything is wrong.
 */
import { parseArgs } from 'node:util';
import { embeddedDeps, serviceDeps, TEST_ADMIN_TOKEN, TEST_INGEST_TOKEN, type TestStack } from '../support/deps';
import { runFuzz } from './openapi-fuzz';

const { values } = parseArgs({
  options: { count: { type: 'string', default: process.env.FUZZ_COUNT ?? '20000' }, seed: { type: 'string', default: process.env.FUZZ_SEED }, backend: { type: 'string', default: 'both' } },
});
const count = Number(values.count);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const env = { RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_SUBMIT_PER_MIN: '0', OL_QUERY_RATE_PER_MIN: '0', LOG_LEVEL: 'silent' };
const backends: [string, () => Promise<TestStack>][] = [];
if (values.backend !== 'services') backends.push(['embedded', () => embeddedDeps(env)]);
if (values.backend !== 'embedded') backends.push(['postgres+redis', () => serviceDeps({ kv: 'redis', env })]);

let failed = false;
for (const [name, make] of backends) {
  const stack = await make();
  const started = performance.now();
  try {
    const r = await runFuzz(
      {
        fetch: (req) => stack.app.fetch(req, { incoming: { socket: { remoteAddress: '198.51.100.9' } } }) as Promise<Response>,
        sql: stack.deps.sql,
        settle: stack.settle,
        tokens: { admin: TEST_ADMIN_TOKEN, ingest: TEST_INGEST_TOKEN },
      },
      { count, seed, onProgress: (n) => n % 5000 === 0 && process.stderr.write(`${name}: ${n}/${count}\n`) },
    );
    const secs = (performance.now() - started) / 1000;
    console.log(`${name}: seed ${seed}, ${r.requests} requests in ${secs.toFixed(1)} s, ${r.covered.length}/${r.operations.length} operations, 5xx ${r.fiveXx}, findings ${r.findings.length}`);
    console.log(`  statuses ${JSON.stringify(r.statuses)}`);
    const missing = r.operations.filter((o) => !r.covered.includes(o));
    if (missing.length) console.log(`  not reached: ${missing.join(', ')}`);
    if (r.findings.length > 0 || missing.length > 0) {
      failed = true;
      console.log(`  FAILED — rerun with: npm run fuzz -- --seed ${seed} --count ${count} --backend ${name === 'embedded' ? 'embedded' : 'services'}`);
      for (const f of r.findings.slice(0, 10)) console.log(`  ${f.kind} ${f.status} ${f.request.method} ${f.request.url}\n    headers ${JSON.stringify(f.request.headers)}\n    body ${f.request.body}\n    answer ${f.detail}`);
    }
  } finally {
    await stack.close();
  }
}
process.exit(failed ? 1 : 0);
