/** POST /declarations/:txid/proof — attach an SPV envelope; verified against the header store before it is stored. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { verifyAndStoreProof } from '@strata/core/bundle/proof';
import { StoredProof } from '@strata/core/bundle/schema';
import { DeclarationParam, ProofBody } from '@strata/core/catalog/schema';
import type { AppEnv } from '../env';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ ProofRequest: ProofBody, ProofResult: StoredProof });


const route = createRoute({
  method: 'post',
  path: '/declarations/{txid}/proof',
  tags: ['catalog'],
  summary: 'Attach a verified SPV envelope; the declaration becomes confirmed',
  description:
    'Verifies the envelope — the transaction, its Merkle path (or BUMP) and its block — against the stored block headers before storing it; it must prove exactly the declaring transaction `txid`. Needs no credential (limited to `RATE_LIMIT_PROOF_PER_MIN` per client): an envelope that does not verify is refused (409 `invalid-envelope`), one for an unknown declaration is 404. Confirmations are computed at read time from the header store.',
  security: SECURITY.public,
  // unauthenticated, and each call verifies a proof against the header store
  middleware: [rateLimit('proof', (c) => c.get('deps').config.RATE_LIMIT_PROOF_PER_MIN)] as const,
  request: {
    params: DeclarationParam,
    body: { required: true, content: { 'application/json': { schema: ProofBody } } },
  },
  responses: {
    200: { description: 'Stored', content: { 'application/json': { schema: StoredProof } } },
    ...errorResponses('not-found', 'invalid-envelope', 413, 429, 503),
  },
});

export function registerDeclarations(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const r = await verifyAndStoreProof({ deps: c.get('deps'), ctx: c.get('ctx'), input: { txid: c.req.valid('param').txid, envelope: c.req.valid('json').envelope } });
    return c.json(r, 200);
  });
}
