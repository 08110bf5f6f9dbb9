/**
 * `npm run bench:delivery [iterations]`: the cost of issuing a download URL (GET /v1/data through
 * the app, in process) beside its parts measured in the same run:
 *   - the bare presign (the same store's presignGet, no checks) — what a URL costs with nothing
 *     in front of it;
 *   - the delivery statement alone (checks + quota, one round trip) straight on the database;
 *   - `SELECT 1` — the floor of one database round trip;
 *   - a one-row UPDATE of the receipt — the floor of one committed write (WAL flush included);
 *   - the CloudFront-signed variant (CDN_MODE=signed: an RSA signature per URL).
 * Storage round trips per request are read from the ports' counters over the whole phase, so
 * "one SQL round trip, none to the store" is measured, not assumed. Two stacks: PostgreSQL +
 * Redis + s3rver (the AWS SDK presigner) and the embedded default (PGlite + filesystem blobs).
 * Sequential requests, a few seconds per stack. Writes bench/results/delivery.json.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { PrivateKey } from '@bsv/sdk';
import { deliveryStatement } from '@strata/core/delivery/repo';
import { insertReceiptStatement, transitionReceipt } from '@strata/core/payments/repo';
import { cpuSampler } from './machine';
import { measure, type Percentiles } from './rtt/measure';
import { call } from '../test/support/catalog-http';
import { bytesOf, embeddedStack, publishContent, sendPresigned, servicesStack, signed, type DeliveryStack } from '../test/support/delivery-http';

const iterations = Number(process.argv[2] ?? 1500);
const started = Date.now();
const cpu = cpuSampler();

async function prepare(stack: DeliveryStack) {
  const producer = PrivateKey.fromRandom();
  const bytes = bytesOf(64 * 1024, 3);
  const pub = await publishContent(stack, producer, bytes);
  const up = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: bytes.byteLength, mimeType: 'application/octet-stream' });
  await (await sendPresigned(stack, up.body.put, bytes)).arrayBuffer();
  await signed(stack, producer, 'POST', `/v1/uploads/${up.body.uploadId}/complete`);
  const receiptId = `rcpt_${randomBytes(16).toString('hex')}`;
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 3_600_000);
  // room for every download of the run
  const s = insertReceiptStatement({ receiptId, versionId: pub.versionId, contentHash: pub.contentHash, producerId: null, quantity: 1, unitPriceSat: 1000, unitBytes: 2 ** 50, singleUse: false, expiresAt, now });
  await stack.deps.sql.query(s.text, s.params);
  await transitionReceipt(stack.deps.sql, receiptId, { kind: 'pay', txid: randomBytes(32).toString('hex'), accessUntil: expiresAt }, now, { actor: 'bench' });
  return { contentHash: pub.contentHash, receiptId };
}

function counters(stack: DeliveryStack) {
  const m = stack.deps.metrics;
  const sum = (tier: string, ops: string[]) => ops.reduce((n, op) => n + m.counter('strata_storage_round_trips_total', { tier, op }), 0);
  return {
    sql: sum('sql', ['query', 'batch', 'exec', 'tx-query']),
    kv: sum('kv', ['mget', 'set', 'del', 'incr', 'exec', 'ping']),
    blob: sum('blob', ['put', 'head', 'get', 'delete', 'ping', 'mp-create', 'mp-put', 'mp-list', 'mp-complete', 'mp-abort']),
    presign: m.counter('strata_presign_total', { op: 'get' }),
  };
}

/** Times `op` and reports the round trips per call it caused. */
async function phase(stack: DeliveryStack, n: number, op: () => Promise<unknown>) {
  const before = counters(stack);
  const t = await measure(n, op);
  const after = counters(stack);
  const calls = n + Math.min(100, Math.max(20, Math.ceil(n / 10))); // measure() warms up first
  const per = (k: keyof typeof before) => Math.round(((after[k] - before[k]) / calls) * 1000) / 1000;
  return { ...t, perRequest: { sql: per('sql'), kv: per('kv'), blob: per('blob'), presign: per('presign') } };
}

async function benchStack(stack: DeliveryStack, signedStack: DeliveryStack) {
  const { contentHash, receiptId } = await prepare(stack);
  const path = `/v1/data?contentHash=${contentHash}&receiptId=${receiptId}`;
  const issue = await phase(stack, iterations, async () => {
    const r = await call(stack, 'GET', path);
    if (r.status !== 200) throw new Error(`GET /v1/data ${r.status} ${JSON.stringify(r.body)}`);
  });
  const bare = await phase(stack, iterations, () => stack.deps.blobs.presignGet(`hot/${contentHash}`, { expiresInSec: 900, contentDisposition: `attachment; filename="${contentHash}"` }));
  const statement = await phase(stack, iterations, () => {
    const s = deliveryStatement({ receiptId, contentHash, now: new Date(), actor: 'bench', requestId: null });
    return stack.deps.sql.query(s.text, s.params);
  });
  const select1 = await phase(stack, iterations, () => stack.deps.sql.query('SELECT 1'));
  // the floor of any durable write: one row updated and committed (the commit waits for the WAL flush)
  const update1 = await phase(stack, iterations, () => stack.deps.sql.query('UPDATE receipts SET updated_at = now() WHERE receipt_id = $1', [receiptId]));
  const s = await prepare(signedStack);
  const cdnSigned = await phase(signedStack, Math.ceil(iterations / 3), async () => {
    const r = await call(signedStack, 'GET', `/v1/data?contentHash=${s.contentHash}&receiptId=${s.receiptId}`);
    if (r.status !== 200) throw new Error(`signed ${r.status}`);
  });
  return {
    'GET /v1/data (checks + quota + presign)': issue,
    'baseline: bare presignGet, no checks': bare,
    'baseline: the delivery statement alone': statement,
    'baseline: SELECT 1': select1,
    'baseline: one-row UPDATE (a committed write)': update1,
    'GET /v1/data, CDN_MODE=signed (CloudFront RSA signature)': cdnSigned,
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const cdnEnv = { CDN_MODE: 'signed', CDN_BASE_URL: 'https://cdn.example.test', CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', CDN_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };

const results: Record<string, Record<string, Percentiles & { perRequest: Record<string, number> }>> = {};
for (const [name, make] of [
  ['postgres+redis+s3rver', () => servicesStack()],
  ['embedded (pglite+fs)', () => embeddedStack()],
] as const) {
  const stack = await make();
  const signedStack = name.startsWith('postgres') ? await servicesStack(cdnEnv) : await embeddedStack(cdnEnv);
  try {
    results[name] = await benchStack(stack, signedStack);
  } finally {
    await signedStack.close();
    await stack.close();
  }
}

const rows = Object.entries(results).flatMap(([stack, r]) =>
  Object.entries(r).map(([path, m]) => ({ stack, path, p50Ms: m.p50Ms, p99Ms: m.p99Ms, sqlPerReq: m.perRequest.sql, kvPerReq: m.perRequest.kv, blobPerReq: m.perRequest.blob, presignPerReq: m.perRequest.presign })),
);
console.table(rows);
const result = {
  iterations,
  node: process.version,
  loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  cpu: cpu.stop(),
  seconds: Math.round((Date.now() - started) / 1000),
  target: 'one PostgreSQL round trip for the checks and quota together, none to S3 (presigning is local)',
  rows,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/delivery.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/delivery.json');
process.exit(0);
