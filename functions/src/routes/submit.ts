/** POST /submit — publish a version: `{rawTx, manifest}`; the transaction is the proof of intent. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { RAW_TX_MAX_HEX } from '@strata/core/catalog/dlm1';
import { publish } from '@strata/core/catalog/service';
import type { AppEnv } from '../env';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { documentedAs } from '../openapi/document';
import { SECURITY } from '../openapi/security';

const SubmitBody = z
  .object({
    rawTx: z.string().min(2).max(RAW_TX_MAX_HEX).openapi({ description: 'The declaring transaction, hex.' }),
    manifest: z
      .record(z.string(), z.unknown())
      .openapi(documentedAs('DLM1Manifest', 'The DLM1 manifest; the SHA-256 of its canonical JSON is the versionId the transaction commits to.')),
  })
  .openapi('SubmitRequest');

const SubmitResult = z
  .object({
    status: z.enum(['created', 'existing']),
    txid: z.string(),
    versionId: z.string(),
    opretVout: z.number().int(),
  })
  .openapi('SubmitResult');

const route = createRoute({
  method: 'post',
  path: '/submit',
  tags: ['catalog'],
  summary: 'Publish a version (idempotent on the same tx; 409 when another tx declared it)',
  description:
    'Publishes a dataset or model version: `rawTx` is the declaring transaction, whose `OP_FALSE OP_RETURN "DLM1" <CBOR {mh, p?}>` output commits to the manifest’s versionId (`mh`) and its parents (`p`, equal to `manifest.lineage.parents`); `manifest` is validated field by field (DLM1Manifest) and its producer and endorsement signatures, when present, must verify over the versionId. Anyone may publish — the transaction is the proof of intent — within `RATE_LIMIT_SUBMIT_PER_MIN` per client. Sending the same transaction again answers 200 with the stored result; another transaction declaring the same version answers 409 `conflict`. The new version is readable at `GET /listings/{versionId}` at once.',
  security: SECURITY.public,
  // anyone may publish (the transaction is the proof of intent), so each client gets a budget
  middleware: [rateLimit('submit', (c) => c.get('deps').config.RATE_LIMIT_SUBMIT_PER_MIN)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: SubmitBody } } } },
  responses: {
    201: { description: 'Published', content: { 'application/json': { schema: SubmitResult } } },
    200: { description: 'Replay of the same transaction', content: { 'application/json': { schema: SubmitResult } } },
    ...errorResponses('conflict', 413, 429, 503),
  },
});

export function registerSubmit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const r = await publish({ deps: c.get('deps'), ctx: c.get('ctx'), input: { rawTx: body.rawTx, manifest: body.manifest } });
    return c.json(r, r.status === 'created' ? 201 : 200);
  });
}
