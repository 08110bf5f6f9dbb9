/**
 * The purchase loop end to end, over HTTP, on the embedded default (PGlite, memory Kv,
 * filesystem blobs behind /blobs) and on PostgreSQL + Redis + s3rver, each with the dryrun
 * broadcaster and through the local ARC server:
 *   publish → upload (wrong bytes refused by the store, right bytes accepted) → price → pay →
 *   quote → a payment built with @bsv/sdk paying the template → submit → proof in a mined test
 *   block (posted by the client, or ARC's MINED callback) → confirmed → /v1/data → the
 *   downloaded bytes' SHA-256 equals contentHash;
 * then quota exhaustion (409; dryrun stacks), a consumed single-use receipt (409; ARC stacks,
 * SINGLE_USE_RECEIPTS=true), an expired quote (410), a template mismatch (409), and a reorg
 * demoting the confirmation.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { manualClock } from '@strata/core/ports/clock';
import { startArcServer, type ArcServer } from '../support/arc-server';
import { describeWith } from '../support/reachable';
import { call } from '../support/catalog-http';
import { bytesOf, embeddedStack, publishContent, sendPresigned, servicesStack, sha256Hex, signed, type DeliveryStack } from '../support/delivery-http';
import { buildPayment, payChainOf, type PayChain } from '../support/payments-world';

const OVERLAY = `76a914${'0d'.repeat(20)}88ac`;
const CALLBACK_TOKEN = 'arc-callback-token-journey-0123';

type Make = (env: Record<string, string>, platform: Parameters<typeof embeddedStack>[1]) => Promise<DeliveryStack>;

function journey(make: Make, broadcast: 'dryrun' | 'arc') {
  // the clock starts now (s3rver checks presigned URLs against real time) and only moves forward
  const clock = manualClock(Date.now());
  let stack: DeliveryStack;
  let arc: ArcServer | undefined;
  let chain: PayChain;
  const producer = PrivateKey.fromRandom();
  const bytes = bytesOf(4096, 77);

  beforeAll(async () => {
    const env: Record<string, string> = { PAY_SCRIPTS_JSON: JSON.stringify({ overlay: OVERLAY }), QUOTE_TTL_SEC: '120', MIN_CONFS: '1' };
    if (broadcast === 'arc') {
      arc = await startArcServer({ deliver: (url, init) => stack.app.request(new URL(url).pathname, init) });
      Object.assign(env, { ARC_URL: arc.url, ARC_API_KEY: arc.apiKey, ARC_CALLBACK_TOKEN: CALLBACK_TOKEN, SINGLE_USE_RECEIPTS: 'true' });
    }
    stack = await make(env, { clock });
    chain = payChainOf(stack);
    await chain.extend(2);
  });
  afterAll(async () => {
    await stack?.close();
    await arc?.close();
  });

  const quoteFor = async (versionId: string, quantity: number) => {
    const receipt = await call(stack, 'POST', '/pay', { body: { versionId, quantity } });
    expect(receipt.status).toBe(200);
    const quote = await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.body.receiptId } });
    expect(quote.status).toBe(200);
    return { receipt: receipt.body, quote: quote.body as { outputs: Array<{ scriptHex: string; satoshis: number }>; amountSat: number; templateHash: string } };
  };
  const submit = (receiptId: string, rawTxHex: string) => call(stack, 'POST', '/payments/submit', { body: { receiptId, rawTxHex } });
  const status = async (receiptId: string) => (await call(stack, 'GET', `/receipt?receiptId=${receiptId}`)).body.status as string;
  const data = (contentHash: string, receiptId: string) => call(stack, 'GET', `/v1/data?contentHash=${contentHash}&receiptId=${receiptId}`);
  const download = async (contentHash: string, receiptId: string) => {
    const r = await data(contentHash, receiptId);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const res = await sendPresigned(stack, { url: r.body.delivery.url, method: 'GET', headers: r.body.delivery.headers });
    expect(res.status).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  };

  let contentHash = '';
  let versionId = '';
  let confirmedReceipt = '';
  let paymentBlock: { hash: string; prevHash: string } | undefined;

  it('publish → upload (the store refuses other bytes) → price → pay → quote → submit → proof → confirmed → /v1/data → the bytes hash to contentHash', async () => {
    const pub = await publishContent(stack, producer, bytes, 'text/csv');
    ({ contentHash, versionId } = pub);

    const up = await signed(stack, producer, 'POST', '/v1/uploads', { versionId, contentHash, sizeBytes: bytes.byteLength, mimeType: 'text/csv' });
    expect(up.status).toBe(201);
    const wrong = await sendPresigned(stack, up.body.put, bytesOf(4096, 78));
    expect([400, 403, 409]).toContain(wrong.status);
    await wrong.arrayBuffer();
    const right = await sendPresigned(stack, up.body.put, bytes);
    expect(right.status).toBe(200);
    await right.arrayBuffer();
    expect((await signed(stack, producer, 'POST', `/v1/uploads/${up.body.uploadId}/complete`)).body.status).toBe('verified');

    expect((await signed(stack, producer, 'POST', '/price', { versionId, satoshis: 2500 })).status).toBe(200);
    expect((await call(stack, 'GET', `/price?versionId=${versionId}`)).body).toMatchObject({ versionId, contentHash, satoshis: 2500 });

    const { receipt, quote } = await quoteFor(versionId, 2);
    expect(receipt).toMatchObject({ status: 'pending', amountSat: 5000, contentHash });
    expect(quote.amountSat).toBe(5000);
    const pay = await buildPayment(quote.outputs);
    const sub = await submit(receipt.receiptId, broadcast === 'arc' ? pay.ef : pay.rawTx);
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ status: 'accepted', txid: pay.txid, receiptStatus: 'paid', broadcast: { mode: broadcast } });
    if (arc) expect(arc.txs.has(pay.txid)).toBe(true);

    const { mined: [m] } = chain.mine([{ txid: pay.txid, rawTx: pay.rawTx }], 1);
    await chain.store();
    if (arc) {
      const cb = await arc.mine(pay.txid, { blockHash: m!.block.hash, blockHeight: m!.block.height, merklePath: m!.bump });
      expect(cb.callbackStatus).toBe(200);
    } else {
      const proof = await call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, { body: { envelope: m!.envelope } });
      expect(proof.status).toBe(200);
    }
    expect(await status(receipt.receiptId)).toBe('confirmed');
    confirmedReceipt = receipt.receiptId;
    paymentBlock = m!.block;

    const got = await download(contentHash, receipt.receiptId);
    expect(got.byteLength).toBe(bytes.byteLength);
    expect(sha256Hex(got)).toBe(contentHash);
  });

  if (broadcast === 'dryrun') {
    it('quota: quantity 2 buys two downloads of the content; the third is 409 quota-exceeded', async () => {
      await download(contentHash, confirmedReceipt); // the second
      const third = await data(contentHash, confirmedReceipt);
      expect([third.status, third.body.error, third.body.hint]).toEqual([409, 'quota-exceeded', `limit=8192, used=8192, size=4096`]);
    });
  } else {
    it('a single-use receipt is consumed by its download; the next is 409 already-consumed', async () => {
      expect(await status(confirmedReceipt)).toBe('consumed');
      const again = await data(contentHash, confirmedReceipt);
      expect([again.status, again.body.error]).toEqual([409, 'already-consumed']);
    });
  }

  it('a payment one satoshi short of the template is 409 template-mismatch; the receipt stays pending', async () => {
    const { receipt, quote } = await quoteFor(versionId, 1);
    const short = await buildPayment(quote.outputs, (o, i) => (i === 0 ? { ...o, satoshis: o.satoshis - 1 } : o));
    const r = await submit(receipt.receiptId, broadcast === 'arc' ? short.ef : short.rawTx);
    expect([r.status, r.body.error]).toEqual([409, 'template-mismatch']);
    expect(await status(receipt.receiptId)).toBe('pending');
    expect((await data(contentHash, receipt.receiptId)).status).toBe(403);
  });

  it('a payment after its quote expired is 410 quote-expired', async () => {
    const { receipt, quote } = await quoteFor(versionId, 1);
    const pay = await buildPayment(quote.outputs);
    clock.advance(121_000);
    const r = await submit(receipt.receiptId, broadcast === 'arc' ? pay.ef : pay.rawTx);
    expect([r.status, r.body.error]).toEqual([410, 'quote-expired']);
    expect(await status(receipt.receiptId)).toBe('pending');
  });

  it('a reorg that drops the payment block demotes the confirmation', async () => {
    if (broadcast === 'arc') {
      // the consumed receipt cannot be demoted; confirm a fresh one first
      const { receipt, quote } = await quoteFor(versionId, 1);
      const pay = await buildPayment(quote.outputs);
      expect((await submit(receipt.receiptId, pay.ef)).status).toBe(200);
      const { mined: [m] } = chain.mine([{ txid: pay.txid, rawTx: pay.rawTx }], 1);
      await chain.store();
      await arc!.mine(pay.txid, { blockHash: m!.block.hash, blockHeight: m!.block.height, merklePath: m!.bump });
      expect(await status(receipt.receiptId)).toBe('confirmed');
      confirmedReceipt = receipt.receiptId;
      paymentBlock = m!.block;
      // nobody answers ARC status polls with a path in the new best chain
      arc!.txs.get(pay.txid)!.txStatus = 'SEEN_ON_NETWORK';
      arc!.txs.get(pay.txid)!.merklePath = null;
    }
    const parent = chain.best.find((h) => h.hash === paymentBlock!.prevHash)!;
    await chain.fork(parent, 5);
    const [run] = await runScheduledJobs(stack.deps, ['receipt-reconcile']);
    expect(run).toMatchObject({ status: 'ok' });
    expect(await status(confirmedReceipt)).toBe('paid');
  });
}

describe('journey: embedded default, dryrun', () => journey((env, p) => embeddedStack(env, p), 'dryrun'));
describe('journey: embedded default, ARC', () => journey((env, p) => embeddedStack(env, p), 'arc'));
await describeWith(['postgres', 'redis'], 'journey: PostgreSQL + Redis + s3rver, dryrun', () => journey((env, p) => servicesStack(env, p), 'dryrun'));
await describeWith(['postgres', 'redis'], 'journey: PostgreSQL + Redis + s3rver, ARC', () => journey((env, p) => servicesStack(env, p), 'arc'));
