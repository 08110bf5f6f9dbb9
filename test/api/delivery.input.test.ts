/**
 * Hostile input to /v1/data and /v1/uploads (embedded default): random query strings and JSON
 * bodies always answer a 4xx problem+json, never a 5xx, and never count bytes or write a row.
 */
import { PrivateKey } from '@bsv/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/catalog-http';
import { bytesOf, embeddedStack, makeReceipt, signed, uploadVerified, type DeliveryStack } from '../support/delivery-http';

let stack: DeliveryStack;
const producer = PrivateKey.fromRandom();
let contentHash = '';
let receiptId = '';
beforeAll(async () => {
  stack = await embeddedStack();
  const pub = await uploadVerified(stack, producer, bytesOf(100, 3));
  contentHash = pub.contentHash;
  receiptId = await makeReceipt(stack, pub, { unitBytes: 1000 });
}, 180_000);
afterAll(async () => stack?.close());

const nasty = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom("'; DROP TABLE receipts; --", '%00', '../../etc/passwd', 'rcpt_' + 'g'.repeat(32), 'A'.repeat(5000), '\u0000', '١٢٣', 'true\r\nx: y'),
);

const problem = (r: { status: number; headers: Headers }) => r.status >= 400 && r.status < 500 && (r.headers.get('content-type') ?? '').includes('application/problem+json');

describe('hostile input', () => {
  it('/v1/data: random parameters are 4xx problems; the receipt is never charged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ contentHash: fc.option(nasty), receiptId: fc.option(nasty), redirect: fc.option(nasty), extra: fc.option(nasty) }), async (q) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) if (v !== null) params.set(k, v);
        const r = await call(stack, 'GET', `/v1/data?${params}`);
        expect(problem(r), `${r.status} ${JSON.stringify(r.body)}`).toBe(true);
      }),
      { numRuns: 150 },
    );
    // valid-looking ids that name nothing
    const r = await call(stack, 'GET', `/v1/data?contentHash=${'F'.repeat(64)}&receiptId=rcpt_${'0'.repeat(32)}`);
    expect(r.status).toBe(404);
    const [row] = await stack.deps.sql.query(`SELECT bytes_used FROM receipts WHERE receipt_id = $1`, [receiptId]);
    expect(Number(row!.bytes_used)).toBe(0);
    expect(contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('/v1/uploads: random signed bodies are 4xx problems and write no upload row', async () => {
    const before = (await stack.deps.sql.query(`SELECT count(*)::int AS n FROM content_uploads`))[0]!.n;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({ contentHash: nasty, sizeBytes: fc.oneof(fc.integer(), fc.double(), nasty), mimeType: nasty }),
          fc.record({ versionId: nasty, contentHash: fc.constant('ab'.repeat(32)), sizeBytes: fc.integer({ min: -5, max: 2 ** 60 }), mimeType: fc.constant('text/plain') }),
        ),
        async (body) => {
          const r = await signed(stack, producer, 'POST', '/v1/uploads', body);
          expect(problem(r), `${r.status} ${JSON.stringify(r.body)} for ${JSON.stringify(body)}`).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect((await stack.deps.sql.query(`SELECT count(*)::int AS n FROM content_uploads`))[0]!.n).toBe(before);
  });

  it('/v1/uploads/:id/parts: random part lists are 4xx problems', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (body) => {
        const r = await signed(stack, producer, 'POST', `/v1/uploads/upl_${'1'.repeat(24)}/parts`, body);
        expect(problem(r)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
