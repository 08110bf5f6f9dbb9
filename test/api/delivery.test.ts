/**
 * GET /v1/data on the embedded default and on PostgreSQL + Redis + s3rver: the contract's
 * checks in order, the quota counted in the one statement, the URL (presigned, or CDN direct /
 * CloudFront-signed) serving exactly the content with Content-Disposition: attachment and byte
 * ranges, one SQL round trip and no blob round trip per issue, and N concurrent downloads on one
 * receipt never passing its quota by a byte (PostgreSQL).
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../support/reachable';
import { call } from '../support/catalog-http';
import { bytesOf, embeddedStack, makeReceipt, publishContent, sendPresigned, servicesStack, sha256Hex, uploadVerified, type DeliveryStack } from '../support/delivery-http';

type Stack = DeliveryStack;

const data = (stack: Stack, contentHash: string, receiptId: string, extra = '') => call(stack, 'GET', `/v1/data?contentHash=${contentHash}&receiptId=${receiptId}${extra}`);

function trips(stack: Stack) {
  const m = stack.deps.metrics;
  const sum = (tier: string, ops: string[]) => ops.reduce((n, op) => n + m.counter('strata_storage_round_trips_total', { tier, op }), 0);
  return {
    sql: sum('sql', ['query', 'batch', 'exec', 'tx-query']),
    kv: sum('kv', ['mget', 'set', 'del', 'incr', 'exec', 'ping']),
    blob: sum('blob', ['put', 'head', 'get', 'delete', 'ping', 'mp-create', 'mp-put', 'mp-list', 'mp-complete', 'mp-abort']),
    presign: m.counter('strata_presign_total', { op: 'get' }),
  };
}

function suite(make: () => Promise<Stack>, opts: { concurrency: boolean }) {
  let stack: Stack;
  const producer = PrivateKey.fromRandom();
  const bytes = bytesOf(5000, 7);
  let pub: { versionId: string; contentHash: string };
  beforeAll(async () => {
    stack = await make();
    pub = await uploadVerified(stack, producer, bytes);
  });
  afterAll(async () => stack?.close());

  it('paid receipt: JSON with a presigned URL that serves exactly the content as an attachment; ranges work; bytes counted', async () => {
    const receiptId = await makeReceipt(stack, pub, { unitBytes: 100_000 });
    const r = await data(stack, pub.contentHash, receiptId);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.body).toMatchObject({
      success: true,
      delivery: { method: 'presigned-url', cdn: 'off', headers: {} },
      metadata: { contentHash: pub.contentHash, receiptId, versionId: pub.versionId, size: 5000, tier: 'hot', bytesUsed: 5000, bytesLimit: 100_000 },
    });
    expect(r.body.delivery.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(890);
    expect(r.body.delivery.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
    const get = { url: r.body.delivery.url as string, method: 'GET', headers: r.body.delivery.headers as Record<string, string> };
    const got = await sendPresigned(stack, get);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${pub.contentHash}"`);
    expect(sha256Hex(new Uint8Array(await got.arrayBuffer()))).toBe(pub.contentHash);
    const part = await sendPresigned(stack, get, undefined, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(bytes.subarray(1000, 2000)))).toBe(true);
    const [row] = await stack.deps.sql.query(`SELECT bytes_used, status FROM receipts WHERE receipt_id = $1`, [receiptId]);
    expect([Number(row!.bytes_used), row!.status]).toEqual([5000, 'paid']);
  });

  it('one SQL round trip for every check and the quota, no blob round trip (the URL is signed locally)', async () => {
    const receiptId = await makeReceipt(stack, pub, { unitBytes: 100_000, status: 'confirmed' });
    const before = trips(stack);
    const r = await data(stack, pub.contentHash, receiptId);
    const after = trips(stack);
    expect(r.status).toBe(200);
    expect({ sql: after.sql - before.sql, kv: after.kv - before.kv, blob: after.blob - before.blob, presign: after.presign - before.presign }).toEqual({
      sql: 1,
      kv: 0,
      blob: 0,
      presign: 1,
    });
  });

  it('redirect=true answers 302 to the URL', async () => {
    const receiptId = await makeReceipt(stack, pub, { unitBytes: 100_000 });
    const r = await data(stack, pub.contentHash, receiptId, '&redirect=true');
    expect(r.status).toBe(302);
    const got = await sendPresigned(stack, { url: r.headers.get('location')!, method: 'GET', headers: {} });
    expect(sha256Hex(new Uint8Array(await got.arrayBuffer()))).toBe(pub.contentHash);
  });

  it('checks in the contract order, each with its problem', async () => {
    const unknown = await data(stack, pub.contentHash, `rcpt_${'0'.repeat(32)}`);
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not-found']);

    const pending = await makeReceipt(stack, pub, { unitBytes: 100_000, status: 'pending' });
    const p = await data(stack, pub.contentHash, pending);
    expect([p.status, p.body.error, p.body.hint]).toEqual([403, 'forbidden', 'invalid-status:pending']);

    const other = await publishContent(stack, producer, bytesOf(64, 8));
    const wrong = await makeReceipt(stack, other, { unitBytes: 100_000 });
    const m = await data(stack, pub.contentHash, wrong);
    expect([m.status, m.body.error]).toEqual([409, 'content-mismatch']);
    // the receipt is right, but its content was never uploaded
    const missing = await data(stack, other.contentHash, wrong);
    expect([missing.status, missing.body.error, missing.body.hint]).toEqual([404, 'not-found', 'object not in storage']);

    const small = await makeReceipt(stack, pub, { unitBytes: 9000 });
    expect((await data(stack, pub.contentHash, small)).status).toBe(200);
    const q = await data(stack, pub.contentHash, small);
    expect([q.status, q.body.error, q.body.hint]).toEqual([409, 'quota-exceeded', 'limit=9000, used=5000, size=5000']);

    const once = await makeReceipt(stack, pub, { unitBytes: 100_000, singleUse: true });
    expect((await data(stack, pub.contentHash, once)).status).toBe(200);
    const c = await data(stack, pub.contentHash, once);
    expect([c.status, c.body.error]).toEqual([409, 'already-consumed']);

    const lapsed = await makeReceipt(stack, pub, { unitBytes: 100_000, expiresInSec: -1 });
    const e = await data(stack, pub.contentHash, lapsed);
    expect([e.status, e.body.error]).toEqual([403, 'expired']);
    const rows = await stack.deps.sql.query(`SELECT status, bytes_used FROM receipts WHERE receipt_id = $1`, [lapsed]);
    expect([rows[0]!.status, Number(rows[0]!.bytes_used)]).toEqual(['expired', 0]);
    const audit = await stack.deps.sql.query(`SELECT action FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${lapsed}`]);
    expect(audit.map((a) => a.action)).toContain('payments.receipt.expired');
    // nothing is counted on any refusal
    const used = await stack.deps.sql.query(`SELECT receipt_id, bytes_used FROM receipts WHERE receipt_id = ANY($1::text[])`, [[pending, wrong, small]]);
    expect(Object.fromEntries(used.map((u) => [u.receipt_id, Number(u.bytes_used)]))).toEqual({ [pending]: 0, [wrong]: 0, [small]: 5000 });
  });

  it('documents the delivery routes in /openapi.json', async () => {
    const r = await call(stack, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    for (const path of ['/v1/data', '/v1/uploads', '/v1/uploads/{uploadId}', '/v1/uploads/{uploadId}/parts', '/v1/uploads/{uploadId}/complete']) {
      expect(Object.keys(r.body.paths), path).toContain(path);
    }
  });

  it('bad input is a 400 problem naming the parameter', async () => {
    const receiptId = `rcpt_${'a'.repeat(32)}`;
    const cases: Array<[string, string]> = [
      [`/v1/data?contentHash=xyz&receiptId=${receiptId}`, 'query.contentHash'],
      [`/v1/data?contentHash=${pub.contentHash}&receiptId=rcpt_short`, 'query.receiptId'],
      [`/v1/data?contentHash=${pub.contentHash}&receiptId=${receiptId}&redirect=maybe`, 'query.redirect'],
      [`/v1/data?receiptId=${receiptId}`, 'query.contentHash'],
      [`/v1/data?contentHash=${pub.contentHash}&receiptId=${receiptId}'--`, 'query.receiptId'],
    ];
    for (const [path, field] of cases) {
      const r = await call(stack, 'GET', path);
      expect(r.status, path).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(r.body.issues), path).toContain(field);
    }
  });

  if (opts.concurrency) {
    it('N parallel downloads on one receipt never exceed its quota by a byte', async () => {
      const receiptId = await makeReceipt(stack, pub, { unitBytes: 5000, quantity: 3 }); // room for exactly 3
      const replies = await Promise.all(Array.from({ length: 24 }, () => data(stack, pub.contentHash, receiptId)));
      const codes = replies.map((r) => (r.status === 200 ? 'ok' : r.body.error));
      expect(codes.filter((c) => c === 'ok')).toHaveLength(3);
      expect(codes.filter((c) => c !== 'ok').every((c) => c === 'quota-exceeded')).toBe(true);
      const [row] = await stack.deps.sql.query(`SELECT bytes_used, bytes_limit FROM receipts WHERE receipt_id = $1`, [receiptId]);
      expect(Number(row!.bytes_used)).toBe(15_000);
      expect(replies.filter((r) => r.status === 200).map((r) => r.body.metadata.bytesUsed).sort((a: number, b: number) => a - b)).toEqual([5000, 10_000, 15_000]);
    });

    it('a single-use receipt is consumed exactly once under N parallel downloads', async () => {
      const receiptId = await makeReceipt(stack, pub, { unitBytes: 100_000, singleUse: true });
      const replies = await Promise.all(Array.from({ length: 24 }, () => data(stack, pub.contentHash, receiptId)));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
      expect(replies.filter((r) => r.status !== 200).every((r) => r.body.error === 'already-consumed')).toBe(true);
      const audit = await stack.deps.sql.query(`SELECT count(*)::int AS n FROM audit_log WHERE resource = $1 AND action = 'payments.receipt.consumed'`, [
        `receipt:${receiptId}`,
      ]);
      expect(audit[0]!.n).toBe(1);
    });
  }
}

describe('delivery: embedded default', () => suite(() => embeddedStack(), { concurrency: false }));
await describeWith(['postgres', 'redis'], 'delivery: PostgreSQL + Redis + s3rver', () => suite(() => servicesStack(), { concurrency: true }));

/** CloudFront's URL-safe base64 (RFC-less: + → -, = → _, / → ~). */
const fromCloudFrontB64 = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

describe('delivery through a CDN', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  let signedStack: Stack;
  let directStack: Stack;
  const producer = PrivateKey.fromRandom();
  const bytes = bytesOf(300, 5);
  beforeAll(async () => {
    signedStack = await embeddedStack({ CDN_MODE: 'signed', CDN_BASE_URL: 'https://cdn.example.test', CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', CDN_PRIVATE_KEY: pem });
    directStack = await embeddedStack({ CDN_MODE: 'direct', CDN_BASE_URL: 'https://cdn.example.test/' });
  });
  afterAll(async () => {
    await signedStack?.close();
    await directStack?.close();
  });

  it('signed: a CloudFront canned-policy URL whose signature verifies with the key pair public key', async () => {
    const pub = await uploadVerified(signedStack, producer, bytes);
    const receiptId = await makeReceipt(signedStack, pub, { unitBytes: 10_000 });
    const r = await data(signedStack, pub.contentHash, receiptId);
    expect(r.status).toBe(200);
    expect(r.body.delivery.cdn).toBe('signed');
    const url = new URL(r.body.delivery.url);
    expect(`${url.origin}${url.pathname}`).toBe(`https://cdn.example.test/hot/${pub.contentHash}`);
    expect(url.searchParams.get('response-content-disposition')).toBe(`attachment; filename="${pub.contentHash}"`);
    expect(url.searchParams.get('Key-Pair-Id')).toBe('K2JCJMDEHXQW5F');
    const expires = Number(url.searchParams.get('Expires'));
    expect(expires).toBe(r.body.delivery.expiresAt);
    const signature = fromCloudFrontB64(url.searchParams.get('Signature')!);
    // the canned policy CloudFront rebuilds: the URL as requested, without its three signing parameters
    const resourceText = (r.body.delivery.url as string).split(/&Expires=/)[0]!;
    expect(resourceText).toMatch(/^https:\/\/cdn\.example\.test\/hot\/[0-9a-f]{64}\?response-content-disposition=/);
    const policy = JSON.stringify({ Statement: [{ Resource: resourceText, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
    expect(createVerify('RSA-SHA1').update(policy).verify(publicKey, signature)).toBe(true);
    // and it does not verify for another resource or another expiry
    const forged = policy.replace(pub.contentHash, 'ab'.repeat(32));
    expect(createVerify('RSA-SHA1').update(forged).verify(publicKey, signature)).toBe(false);
    expect(createVerify('RSA-SHA1').update(policy.replace(String(expires), String(expires + 3600))).verify(publicKey, signature)).toBe(false);
  });

  it('direct: the CDN URL of the key, unsigned, still counted against the quota', async () => {
    const pub = await uploadVerified(directStack, producer, bytes);
    const receiptId = await makeReceipt(directStack, pub, { unitBytes: 300 });
    const r = await data(directStack, pub.contentHash, receiptId);
    expect(r.body.delivery.url).toBe(`https://cdn.example.test/hot/${pub.contentHash}?response-content-disposition=${encodeURIComponent(`attachment; filename="${pub.contentHash}"`)}`);
    expect((await data(directStack, pub.contentHash, receiptId)).body.error).toBe('quota-exceeded');
  });

  it('signed mode without its key pair is a configuration error at start', async () => {
    await expect(embeddedStack({ CDN_MODE: 'signed', CDN_BASE_URL: 'https://cdn.example.test' })).rejects.toThrow(/CDN_PRIVATE_KEY/);
  });
});

