/** POST /submit — publish a version: `{rawTx, manifest}`; the transaction is the proof of intent. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { RAW_TX_MAX_HEX } from '@strata/core/catalog/dlm1';
import { publish } from '@strata/core/catalog/service';
import type { AppEnv } from '../env';
import { serviceCtx } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';

const SubmitBody = z
  .object({
    rawTx: z.string().min(2).max(RAW_TX_MAX_HEX).openapi({ description: 'The declaring transaction, hex.' }),
    manifest: z.record(z.string(), z.unknown()).openapi({ description: 'A DLM1 datasetVersionManifest; its canonical hash is the versionId.' }),
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
  // anyone may publish (the transaction is the proof of intent), so each client gets a budget
  middleware: [rateLimit('submit', (c) => c.get('deps').config.RATE_LIMIT_SUBMIT_PER_MIN)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: SubmitBody } } } },
  responses: {
    201: { description: 'Published', content: { 'application/json': { schema: SubmitResult } } },
    200: { description: 'Replay of the same transaction', content: { 'application/json': { schema: SubmitResult } } },
    ...errorResponses(409, 413, 429, 503),
  },
});

export function registerSubmit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const r = await publish({ deps: c.get('deps'), ctx: serviceCtx(c), input: { rawTx: body.rawTx, manifest: body.manifest } });
    return c.json(r, r.status === 'created' ? 201 : 200);
  });
}
