/** POST /submit — publish a version: `{rawTx, manifest}`; the transaction is the proof of intent. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { PublishResult, SubmitBody } from '@strata/core/catalog/schema';
import { publish } from '@strata/core/catalog/service';
import type { AppEnv } from '../env';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ SubmitRequest: SubmitBody, SubmitResult: PublishResult });

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
    201: { description: 'Published', content: { 'application/json': { schema: PublishResult } } },
    200: { description: 'Replay of the same transaction', content: { 'application/json': { schema: PublishResult } } },
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
