// What `npm run mutation` mutates, and which suites can see each file. Shared by
// stryker.config.mjs (what to mutate) and vitest.mutation.config.ts (what to run), so a run
// restricted to one file (`npm run mutation -- --file <path>`) runs only that file's suites.
// Suites that need the local PostgreSQL and Redis are the ones under test/api and test/contract.

const cacheSuites = ['test/unit/cache.engine.test.ts', 'test/unit/cache.keys.test.ts', 'test/unit/cache.failure.test.ts', 'test/unit/cache.invariants.test.ts'];
// the contract suite drives every branch on PGlite and on PostgreSQL + Redis, the nonce claim in
// the batch included; the API suites that also commit through the outbox (catalog, jobs, identity)
// cost most of the time and are left out.
const outboxSuites = ['test/contract/outbox.test.ts'];
const deliveryVerbSuites = ['test/verbs/delivery-deliver.test.ts'];
const deliveryCdnSuites = ['test/unit/delivery-cdn.test.ts', 'test/verbs/delivery-deliver.test.ts'];
// the upload verbs called directly on a fresh PostgreSQL database (filesystem store; s3rver where S3 differs)
const uploadVerbSuites = ['test/verbs/uploads-create.test.ts', 'test/verbs/uploads-complete.test.ts', 'test/verbs/uploads-abandon.test.ts', 'test/verbs/uploads-s3.test.ts'];

// verb-level suites of the payments repos and prices: core functions on a fresh database on the
// local PostgreSQL (no app, no Redis), a second or two each
const paymentsRepoSuites = ['test/verbs/payments-repo.test.ts'];
const pricesSuites = ['test/verbs/payments-prices.test.ts'];

/**
 * file → { group, suites, static? }. `unit` files run server-free suites only; `services` ones need
 * PostgreSQL and Redis. `static: true` for files that are mostly module-level declarations (zod
 * schemas, settings): their mutants are static (evaluated at import), which a run would otherwise
 * skip (`ignoreStatic`), leaving the score to count almost nothing; a run of only such files
 * includes them (each static mutant runs every suite of the file, so they must be fast).
 */
export const TARGETS = {
  'packages/core/src/policy/rules.ts': { group: 'unit', suites: ['test/unit/policy-evaluate.test.ts'] },
  'packages/core/src/policy/evaluate.ts': { group: 'unit', suites: ['test/unit/policy-evaluate.test.ts', 'test/unit/policy-schema.test.ts'] },
  'packages/core/src/identity/verify.ts': { group: 'unit', suites: ['test/unit/identity-verify.test.ts'] },
  'packages/core/src/spv/merkle.ts': { group: 'unit', suites: ['test/unit/spv-merkle.test.ts', 'test/unit/spv-hostile.test.ts'] },
  'packages/core/src/spv/header.ts': { group: 'unit', suites: ['test/unit/spv-header.test.ts', 'test/unit/spv-envelope.test.ts', 'test/unit/spv-hostile.test.ts'] },
  // spv-beef: BEEF envelopes (its embedded-stack part is slow, but only BEEF-path mutants run it)
  'packages/core/src/spv/envelope.ts': { group: 'unit', suites: ['test/unit/spv-envelope.test.ts', 'test/unit/spv-hostile.test.ts', 'test/unit/spv-headers-file.test.ts', 'test/unit/spv-beef.test.ts'] },
  'packages/core/src/cache/entry.ts': { group: 'unit', suites: cacheSuites },
  'packages/core/src/cache/invalidate.ts': { group: 'unit', suites: cacheSuites },
  'packages/core/src/cache/engine.ts': { group: 'unit', suites: cacheSuites },
  'packages/core/src/payments/tx.ts': { group: 'unit', suites: ['test/unit/payments-tx.test.ts'] },
  'packages/core/src/payments/template.ts': { group: 'unit', suites: ['test/unit/payments-tx.test.ts'] },
  'packages/core/src/payments/repo.ts': { group: 'services', suites: paymentsRepoSuites },
  'packages/core/src/payments/payment-repo.ts': { group: 'services', suites: paymentsRepoSuites },
  'packages/core/src/payments/price-repo.ts': { group: 'services', suites: pricesSuites },
  'packages/core/src/payments/prices.ts': { group: 'services', suites: pricesSuites },
  'packages/core/src/payments/config.ts': { group: 'unit', suites: ['test/unit/payments-config.test.ts'], static: true },
  // schemas-load: a static mutant that stops zod building a schema fails the import inside a test
  'packages/core/src/payments/schema.ts': { group: 'unit', suites: ['test/unit/payments-schema.test.ts', 'test/unit/schemas-load.test.ts'], static: true },
  // verb-level suites on the local PostgreSQL (and a local ARC): no app, no Redis
  'packages/core/src/payments/broadcast.ts': { group: 'services', suites: ['test/verbs/payments-broadcast.test.ts'] },
  'packages/core/src/payments/confirm.ts': { group: 'services', suites: ['test/verbs/payments-confirm.test.ts'] },
  'packages/core/src/payments/service.ts': { group: 'services', suites: ['test/verbs/payments-service.test.ts'] },
  // delivery: the verb on a fresh local PostgreSQL database (fs blobs, s3rver, CDN modes), and the
  // URL issuing and CloudFront signing server-free; the API suites repeat them end to end
  'packages/core/src/delivery/cdn.ts': { group: 'services', suites: deliveryCdnSuites },
  'packages/core/src/delivery/cloudfront.ts': { group: 'services', suites: deliveryCdnSuites },
  'packages/core/src/delivery/repo.ts': { group: 'services', suites: deliveryVerbSuites },
  'packages/core/src/delivery/schema.ts': { group: 'services', suites: deliveryVerbSuites, static: true },
  'packages/core/src/delivery/service.ts': { group: 'services', suites: deliveryVerbSuites },
  'packages/core/src/uploads/jobs.ts': { group: 'services', suites: ['test/verbs/uploads-complete.test.ts'] },
  'packages/core/src/uploads/repo.ts': { group: 'services', suites: uploadVerbSuites },
  // the request schemas at their edges and the response schemas against the verbs' answers are in uploads-create
  'packages/core/src/uploads/schema.ts': { group: 'services', suites: ['test/verbs/uploads-create.test.ts', 'test/unit/schemas-load.test.ts'], static: true },
  'packages/core/src/uploads/service.ts': { group: 'services', suites: uploadVerbSuites },
  'packages/core/src/outbox/outbox.ts': { group: 'services', suites: outboxSuites },
};

/**
 * The files and suites of one run: STRATA_MUTATION_FILE (one file, or several separated by
 * commas: mutated in one run over the union of their suites) or STRATA_MUTATION_SUITES (a group).
 */
export function selection(env = process.env) {
  const list = env.STRATA_MUTATION_FILE;
  if (list) {
    const files = list.split(',').filter(Boolean);
    for (const f of files) if (!TARGETS[f]) throw new Error(`mutation: ${f} is not a mutation target (bench/mutation-targets.mjs)`);
    const slug = (f) => f.replace(/^packages\/core\/src\//, '').replace(/\.ts$/, '').replaceAll('/', '-');
    const dirs = [...new Set(files.map((f) => slug(f).split('-')[0]))];
    const name = files.length === 1 ? slug(files[0]) : `${dirs.join('-')}-${files.length}-files`;
    return { name, files, suites: [...new Set(files.flatMap((f) => TARGETS[f].suites))] };
  }
  const group = env.STRATA_MUTATION_SUITES === 'services' ? 'services' : 'unit';
  const files = Object.keys(TARGETS).filter((f) => TARGETS[f].group === group);
  return { name: group, files, suites: [...new Set(files.flatMap((f) => TARGETS[f].suites))] };
}
