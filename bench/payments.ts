/**
 * `npm run bench:payments [n]`: quote and submit throughput through the whole Hono app
 * in-process, on local PostgreSQL (node-postgres) + Redis through the Upstash bridge, dryrun
 * broadcaster, with the storage round trips each request makes counted. Baseline in the same
 * run: the same number of sequential `SELECT 1` round trips on the same pool (what a request
 * that did nothing but its database round trips would cost), and decoding the payment
 * transaction alone. Writes bench/results/payments.json. Short by design (a shared machine).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { PrivateKey } from '@bsv/sdk';
import { decodePaymentTx } from '@strata/core/payments/tx';
import { serviceDeps, type TestStack } from '../test/support/deps';
import { buildPayment, call, publishFor } from '../test/support/payments-world';
import { cpuSampler } from './machine';

const n = Number(process.argv[2] ?? 200);
const CONCURRENCY = 8;
const round = (x: number) => Math.round(x * 100) / 100;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

/** Round trips per tier so far, read from the app's own counters. */
async function trips(stack: TestStack): Promise<{ sql: number; kv: number }> {
  const text = await stack.deps.metrics.render();
  const out = { sql: 0, kv: 0 };
  for (const m of text.matchAll(/^strata_storage_round_trips_total\{([^}]*)\} (\d+)/gm)) {
    const tier = /tier="(\w+)"/.exec(m[1]!)?.[1];
    if (tier === 'sql' || tier === 'kv') out[tier] += Number(m[2]);
  }
  return out;
}

/** Runs `jobs` with `concurrency` workers; per-call latencies and overall throughput. */
async function drive<T>(jobs: T[], concurrency: number, run: (j: T) => Promise<unknown>) {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const j = jobs[next++] as T;
        const t = performance.now();
        await run(j);
        lat.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - t0;
  return { perSec: round((jobs.length / ms) * 1000), p50Ms: round(pct(lat, 50)), p99Ms: round(pct(lat, 99)) };
}

const ok = <R extends { status: number; body: any }>(r: R): R => {
  if (r.status !== 200) throw new Error(`unexpected ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  return r;
};

const started = Date.now();
const cpu = cpuSampler();
const stack = await serviceDeps({
  env: { RATE_LIMIT_PER_MIN: '0', SQL_POOL_MAX: '10', PAY_SCRIPTS_JSON: JSON.stringify({ overlay: `76a914${'0c'.repeat(20)}88ac` }) },
});
const producer = PrivateKey.fromRandom();
const pub = await publishFor(stack, producer);

// receipts to quote, then to pay
const receipts: string[] = [];
for (let i = 0; i < n; i++) receipts.push(ok(await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1 } })).body.receiptId);

const before1 = await trips(stack);
const quoteFirst = await drive(receipts, CONCURRENCY, async (id) => ok(await call(stack, 'POST', '/payments/quote', { body: { receiptId: id } })));
const after1 = await trips(stack);
const quoteRepeat = await drive(receipts, CONCURRENCY, async (id) => ok(await call(stack, 'POST', '/payments/quote', { body: { receiptId: id } })));
const after2 = await trips(stack);

const quote = ok(await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipts[0] } })).body;
const payments = await Promise.all(receipts.map(() => buildPayment(quote.outputs)));
const decode = await drive(payments, 1, async (p) => decodePaymentTx(p.rawTx));
const jobs = receipts.map((id, i) => ({ id, raw: payments[i]!.rawTx }));
const submit = await drive(jobs, CONCURRENCY, async (j) => ok(await call(stack, 'POST', '/payments/submit', { body: { receiptId: j.id, rawTxHex: j.raw } })));
const after3 = await trips(stack);

const per = (a: { sql: number; kv: number }, b: { sql: number; kv: number }) => ({ sql: round((b.sql - a.sql) / n), kv: round((b.kv - a.kv) / n) });
const rt = { quoteFirst: per(before1, after1), quoteRepeat: per(after1, after2), submit: per(after2, after3) };

// the floor: the same number of sequential database round trips, nothing else, same pool and concurrency
const floor = async (k: number) =>
  drive(receipts, CONCURRENCY, async () => {
    for (let i = 0; i < k; i++) await stack.deps.sql.query('SELECT 1');
  });
const floors = {
  quoteFirst: await floor(Math.round(rt.quoteFirst.sql)),
  quoteRepeat: await floor(Math.round(rt.quoteRepeat.sql)),
  submit: await floor(Math.round(rt.submit.sql)),
};

const rows = [
  { what: 'quote (first: template built and stored)', ...quoteFirst, roundTrips: rt.quoteFirst, floorPerSec: floors.quoteFirst.perSec },
  { what: 'quote (repeat: the stored template)', ...quoteRepeat, roundTrips: rt.quoteRepeat, floorPerSec: floors.quoteRepeat.perSec },
  { what: 'submit (parse, check, claim, dryrun, paid)', ...submit, roundTrips: rt.submit, floorPerSec: floors.submit.perSec },
  { what: 'decodePaymentTx alone (one worker)', ...decode, roundTrips: { sql: 0, kv: 0 }, floorPerSec: null },
];
console.table(rows.map((r) => ({ what: r.what, 'req/s': r.perSec, 'p50/p99 ms': `${r.p50Ms}/${r.p99Ms}`, 'sql/kv trips': `${r.roundTrips.sql}/${r.roundTrips.kv}`, 'floor req/s': r.floorPerSec })));
const result = {
  n,
  concurrency: CONCURRENCY,
  stack: 'local PostgreSQL (node-postgres, pool 10) + Redis via the Upstash REST bridge, app in-process, dryrun broadcaster',
  baseline: 'floorPerSec: the same number of sequential SELECT 1 round trips per request on the same pool and concurrency',
  node: process.version,
  loadAverage1m: round(loadavg()[0]!),
  cpu: cpu.stop(),
  seconds: Math.round((Date.now() - started) / 1000),
  rows,
};
await stack.close();
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/payments.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/payments.json');
process.exit(0);
