/**
 * The dev chain (admin; ADR 0061): GET /dev-chain, POST /dev-chain/init, POST /dev-chain/blocks.
 * A server that does not trust the dev chain answers 409 `conflict` (hint `dev-chain-off`) to
 * the two writes, naming why.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { devChainStatus, initDevChain, MAX_BLOCKS_PER_CALL, mineDevBlocks } from '@strata/core/devchain/service';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { errorResponses } from '../problem';
import { SECURITY } from '../openapi/security';

const Tip = z.object({ height: z.number().int(), hash: z.string() });

const Status = z
  .object({
    enabled: z.boolean().openapi({ description: 'True when this server trusts the dev chain.' }),
    reason: z.string().openapi({ description: 'Why it is on or off (the setting or the obstacle).' }),
    genesis: z.string().openapi({ description: 'Hash of the dev genesis header (the same everywhere).' }),
    tip: Tip.nullable(),
    onDevChain: z.boolean().nullable().openapi({ description: 'True when the stored best chain starts at the dev genesis; null for an empty store.' }),
    unproven: z.object({ declarations: z.number().int(), payments: z.number().int() }),
  })
  .openapi('DevChainStatus');

const InitResult = z.object({ created: z.boolean(), genesis: z.string(), tip: Tip }).openapi('DevChainInit');

const MineBody = z
  .object({
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_BLOCKS_PER_CALL)
      .default(1)
      .openapi({ description: `Blocks to mine (1 to ${MAX_BLOCKS_PER_CALL}, default 1).` }),
  })
  .strict()
  .openapi('DevChainMineRequest');

const MineResult = z
  .object({
    blocks: z.array(z.object({ height: z.number().int(), hash: z.string(), merkleRoot: z.string(), txCount: z.number().int() })),
    tip: Tip,
    proved: z.object({
      declarations: z.array(z.object({ txid: z.string(), versionId: z.string(), height: z.number().int(), confirmations: z.number().int() })),
      payments: z.array(z.object({ txid: z.string(), receiptId: z.string(), status: z.string(), confirmations: z.number().int() })),
    }),
    failed: z.array(z.object({ txid: z.string(), kind: z.enum(['declaration', 'payment']), reason: z.string() })),
  })
  .openapi('DevChainMineResult');

const statusRoute = createRoute({
  method: 'get',
  path: '/dev-chain',
  tags: ['trust'],
  summary: 'Whether this server trusts the dev chain, its tip and what is still unproven (admin)',
  description:
    'The dev chain is a local chain of low-difficulty headers for the embedded default and local stacks (`DEV_CHAIN`). This answers whether it is on here and why, the dev genesis hash, the stored tip, whether the store holds the dev chain, and how many declarations and paid receipts have no proof yet.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  responses: {
    200: { description: 'The dev chain state', content: { 'application/json': { schema: Status } } },
    ...errorResponses('unauthorized', 503),
  },
});

const initRoute = createRoute({
  method: 'post',
  path: '/dev-chain/init',
  tags: ['trust'],
  summary: 'Start the dev chain: store its genesis header (admin)',
  description:
    'Stores the dev genesis header into an empty header store; a no-op when the dev chain is already there. 409 `conflict` when this server does not trust the dev chain (hint `dev-chain-off`) or the store holds another chain (hint `not-dev-chain`).',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: { body: { required: false, content: { 'application/json': { schema: z.object({}).strict().openapi('DevChainInitRequest') } } } },
  responses: {
    200: { description: 'The dev chain is started', content: { 'application/json': { schema: InitResult } } },
    ...errorResponses('unauthorized', 'conflict', 503),
  },
});

const mineRoute = createRoute({
  method: 'post',
  path: '/dev-chain/blocks',
  tags: ['trust'],
  summary: 'Mine dev-chain blocks and prove every unproven declaration and payment (admin)',
  description:
    'Mines `count` headers on the dev chain’s tip (starting the chain in an empty store). The first block carries every declaration and paid receipt still without a proof (up to 1,000); each then gets its SPV proof through the same verification `POST /declarations/{txid}/proof` and `POST /payments/{receiptId}/proof` run, and paid receipts whose proof lacked confirmations are re-checked. Headers are stored only while the tip they extend is still the tip, so mining never reorganises the chain. 409 `conflict` when this server does not trust the dev chain (hint `dev-chain-off`) or the store holds another chain (hint `not-dev-chain`).',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: { body: { required: false, content: { 'application/json': { schema: MineBody } } } },
  responses: {
    200: { description: 'Mined and proved', content: { 'application/json': { schema: MineResult } } },
    ...errorResponses('unauthorized', 'conflict', 503),
  },
});

export function registerDevChain(app: OpenAPIHono<AppEnv>): void {
  app.openapi(statusRoute, async (c) => c.json(await devChainStatus({ deps: c.get('deps'), ctx: c.get('ctx'), input: {} }), 200));
  app.openapi(initRoute, async (c) => c.json(await initDevChain({ deps: c.get('deps'), ctx: c.get('ctx'), input: {} }), 200));
  app.openapi(mineRoute, async (c) => {
    const body = c.req.valid('json') ?? { count: 1 };
    const r = await mineDevBlocks({ deps: c.get('deps'), ctx: c.get('ctx'), input: { count: body.count ?? 1 } });
    return c.json(
      {
        blocks: [...r.blocks],
        tip: r.tip,
        proved: { declarations: [...r.proved.declarations], payments: [...r.proved.payments] },
        failed: [...r.failed],
      },
      200,
    );
  });
}
