/**
 * Hostile and malformed input at the HTTP boundary: every case is a 4xx problem+json and
 * nothing is stored. Includes a property test over the listings query parser.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDlm1Tx } from '@strata/core/catalog/dlm1';
import { embeddedDeps, type TestStack } from '../support/deps';
import { PrivateKey } from '@bsv/sdk';
import { makeManifest, makePublication, type Publication } from '../support/dlm1';
import { call } from '../support/catalog-http';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', BODY_LIMIT_BYTES: '65536' });
});
afterAll(async () => stack?.close());

const stored = async () => {
  const r = await stack.deps.sql.query<{ n: number }>(
    "SELECT (SELECT count(*) FROM manifests) + (SELECT count(*) FROM declarations) + (SELECT count(*) FROM audit_log WHERE action = 'catalog.publish') AS n",
  );
  return Number(r[0]!.n);
};

function expectProblem(r: { status: number; headers: Headers; body: any }, status: number, error?: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  if (error) expect(r.body.error).toBe(error);
  expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+|SELECT |INSERT /);
}

describe('POST /submit with bad input', () => {
  const valid = makePublication({ datasetId: 'ds-bad' });
  const noDlm1 = '0100000001' + '00'.repeat(32) + '00000000' + '00' + 'ffffffff' + '01' + '0100000000000000' + '01' + '51' + '00000000';

  it.each<[string, unknown, number, string?]>([
    ['a missing body field', { rawTx: valid.rawTx }, 400, 'validation-failed'],
    ['a manifest that is not an object', { rawTx: valid.rawTx, manifest: 'nope' }, 400, 'validation-failed'],
    ['a manifest without required fields', { rawTx: valid.rawTx, manifest: { type: 'datasetVersionManifest' } }, 400],
    ['a manifest with unknown fields', { rawTx: valid.rawTx, manifest: { ...valid.manifest, evil: true } }, 400],
    ['a manifest with a bad contentHash', { rawTx: valid.rawTx, manifest: makeManifest({ content: { contentHash: 'xyz' } }) }, 400],
    ['rawTx that is not hex', { rawTx: 'zz'.repeat(40), manifest: valid.manifest }, 400],
    ['rawTx that is truncated', { rawTx: valid.rawTx.slice(0, 40), manifest: valid.manifest }, 400],
    ['a transaction without a DLM1 output', { rawTx: noDlm1, manifest: valid.manifest }, 400],
    ['a DLM1 output committing to another version', { rawTx: buildDlm1Tx({ versionId: 'ab'.repeat(32) }).rawTx, manifest: valid.manifest }, 409, 'conflict'],
    ['a DLM1 output with other parents', { rawTx: buildDlm1Tx({ versionId: valid.versionId, parents: ['cd'.repeat(32)] }).rawTx, manifest: valid.manifest }, 409, 'conflict'],
  ])('%s → %s, nothing stored', async (_name, body, status, error) => {
    const before = await stored();
    expectProblem(await call(stack, 'POST', '/submit', { body }), status, error);
    expect(await stored()).toBe(before);
  });

  describe('manifest signatures (over the versionId)', () => {
    const signer = PrivateKey.fromRandom();
    const other = PrivateKey.fromRandom();
    const sign = (key: PrivateKey, message: string) => key.sign(message, 'utf8').toDER('hex') as string;
    const withSignatures = (p: Publication, signatures: unknown) => ({ rawTx: p.rawTx, manifest: { ...p.manifest, signatures } });
    const producer = (key: PrivateKey, signature: string) => ({ producer: { publicKey: key.toPublicKey().toString(), signature } });
    const later = new Date(Date.now() + 86_400_000).toISOString();

    it.each<[string, (p: Publication) => unknown, string]>([
      ['signed by another key', (p) => withSignatures(p, producer(signer, sign(other, p.versionId))), 'body.manifest.signatures.producer.signature'],
      ['over another message', (p) => withSignatures(p, producer(signer, sign(signer, `${p.versionId}x`))), 'body.manifest.signatures.producer.signature'],
      ['not a signature at all', (p) => withSignatures(p, producer(signer, 'ab'.repeat(40))), 'body.manifest.signatures.producer.signature'],
      ['a public key off the curve', (p) => withSignatures(p, { producer: { publicKey: `02${'ff'.repeat(32)}`, signature: sign(signer, p.versionId) } }), 'body.manifest.signatures.producer.publicKey'],
      [
        'a bad endorsement beside a good producer signature',
        (p) => withSignatures(p, { ...producer(signer, sign(signer, p.versionId)), endorsements: [{ publicKey: other.toPublicKey().toString(), signature: sign(signer, p.versionId) }] }),
        'body.manifest.signatures.endorsements.0.signature',
      ],
      [
        'an expired endorsement',
        (p) => withSignatures(p, { endorsements: [{ publicKey: other.toPublicKey().toString(), signature: sign(other, p.versionId), expiresAt: '2020-01-01T00:00:00Z' }] }),
        'body.manifest.signatures.endorsements.0.expiresAt',
      ],
    ])('%s → 400 naming the field, nothing stored', async (_name, body, field) => {
      const p = makePublication({ datasetId: 'ds-signed' });
      const before = await stored();
      const r = await call(stack, 'POST', '/submit', { body: body(p) });
      expectProblem(r, 400, 'validation-failed');
      expect(r.body.issues.map((i: { path: string }) => i.path)).toContain(field);
      expect(await stored()).toBe(before);
    });

    it("the producer's key must be the manifest's provenance.producer.identityKey", async () => {
      const p = makePublication({ datasetId: 'ds-signed', provenance: { createdAt: '2025-01-01T00:00:00Z', producer: { identityKey: other.toPublicKey().toString() } } });
      const before = await stored();
      const r = await call(stack, 'POST', '/submit', { body: withSignatures(p, producer(signer, sign(signer, p.versionId))) });
      expectProblem(r, 400, 'validation-failed');
      expect(r.body.issues).toContainEqual({ path: 'body.manifest.signatures.producer.publicKey', message: 'must equal provenance.producer.identityKey' });
      expect(await stored()).toBe(before);
    });

    it('valid producer (DER) and endorsement (compact r‖s) signatures publish, and are kept with the manifest', async () => {
      const p = makePublication({ datasetId: 'ds-signed', provenance: { createdAt: '2025-01-01T00:00:00Z', producer: { identityKey: signer.toPublicKey().toString() } } });
      const der = signer.sign(p.versionId, 'utf8');
      const compact = other.sign(p.versionId, 'utf8');
      const rs = compact.r.toHex(32) + compact.s.toHex(32);
      const signatures = {
        producer: { publicKey: signer.toPublicKey().toString(), signature: der.toDER('hex') as string },
        endorsements: [{ role: 'auditor', publicKey: other.toPublicKey().toString(), signature: rs, expiresAt: later }],
      };
      const r = await call(stack, 'POST', '/submit', { body: withSignatures(p, signatures) });
      expect(r.status).toBe(201);
      const rows = await stack.deps.sql.query<{ body: { signatures: unknown } }>('SELECT body FROM manifests WHERE version_id = $1', [p.versionId]);
      expect(rows[0]!.body.signatures).toEqual(signatures);
    });
  });

  it('malformed JSON → 400 bad-request; an oversized body → 413', async () => {
    expectProblem(await call(stack, 'POST', '/submit', { raw: '{"rawTx": ' }), 400);
    const big = JSON.stringify({ rawTx: 'ab'.repeat(40_000), manifest: valid.manifest });
    expectProblem(await call(stack, 'POST', '/submit', { raw: big }), 413, 'payload-too-large');
  });

  it('a proof for a bad txid is 400; for an unknown txid 404; a malformed envelope 400', async () => {
    expectProblem(await call(stack, 'POST', '/declarations/xyz/proof', { body: { envelope: {} } }), 400, 'bad-request');
    const env = { rawTx: valid.rawTx, proof: { txid: valid.txid, merkleRoot: '00'.repeat(32), path: [] }, block: { blockHash: '00'.repeat(32), blockHeight: 1 } };
    expectProblem(await call(stack, 'POST', `/declarations/${'ee'.repeat(32)}/proof`, { body: { envelope: env } }), 404, 'not-found');
    const r = await call(stack, 'POST', `/declarations/${valid.txid}/proof`, { body: { envelope: { rawTx: 'nothex' } } });
    expectProblem(r, 400, 'validation-failed');
    expect(r.body.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['body.envelope.rawTx']));
  });
});

describe('GET /listings with hostile queries', () => {
  it.each([
    ['limit=0', 'query.limit'],
    ['limit=201', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['offset=-1', 'query.offset'],
    ['producerId=prod_ZZ', 'query.producerId'],
    [`q=${'a'.repeat(257)}`, 'query.q'],
    ['q=%00drop', 'query.q'],
    ['datasetId=', 'query.datasetId'],
  ])('%s → 400 naming %s', async (qs, path) => {
    const r = await call(stack, 'GET', `/listings?${qs}`);
    expectProblem(r, 400, 'validation-failed');
    expect(r.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it.each(["q=' OR 1=1 --", 'q=a:*%20%26%20!b', 'q=%E2%80%AE%F0%9F%92%A3', 'q=()|!&', `q=${'界'.repeat(256)}`, `datasetId=${'é'.repeat(256)}`])(
    'search text is data, never syntax: %s → 200',
    async (qs) => {
      const r = await call(stack, 'GET', `/listings?${qs}`);
      expect(r.status).toBe(200);
      expect(Array.isArray(r.body.items)).toBe(true);
    },
  );

  it('any query string gets 200 or a 400 problem, never a 5xx (property)', async () => {
    const value = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300, unit: 'grapheme' }), fc.string({ maxLength: 40, unit: 'binary' }), fc.integer().map(String), fc.constantFrom('', '-1', '1e3', '200', '0x10', 'NaN'));
    const name = fc.constantFrom('q', 'datasetId', 'producerId', 'limit', 'offset', 'policyPreview', 'x');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 5 }), async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const r = await call(stack, 'GET', `/listings?${qs}`);
        if (r.status !== 200) {
          expect(r.status).toBe(400);
          expect(r.headers.get('content-type')).toBe('application/problem+json');
        } else {
          expect(r.body.limit).toBeGreaterThanOrEqual(1);
          expect(r.body.limit).toBeLessThanOrEqual(200);
        }
      }),
      { numRuns: 150 },
    );
  });
});
