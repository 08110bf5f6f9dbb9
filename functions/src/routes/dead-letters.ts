/**
 * Admin view of the dead-letter table: list jobs that failed their last attempt, and replay
 * them onto the queue (claimed and marked in one transaction, so two replayers never double up).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { countPendingDeadLetters, listDeadLetters, takeForReplay, type DeadLetter } from '@strata/core/jobs/dead-letters';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { errorResponses } from '../problem';
import { SECURITY } from '../openapi/security';

const DeadLetterOut = z
  .object({
    id: z.string(),
    job: z.object({ type: z.string(), payload: z.any() }),
    attempts: z.number().int(),
    lastError: z.string(),
    firstFailedAt: z.string(),
    lastFailedAt: z.string(),
    replayedAt: z.string().nullable(),
  })
  .openapi('DeadLetter');

const listRoute = createRoute({
  method: 'get',
  path: '/admin/dead-letters',
  tags: ['operations'],
  summary: 'Jobs that failed their last attempt (oldest failure first)',
  description: 'Background jobs (cache invalidations, lineage events, hooks) that exhausted their retries, with the last error; `pending` counts those not yet replayed.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: {
    query: z.object({
      pending: z.enum(['true', 'false']).optional().openapi({ description: 'true: not yet replayed; false: replayed; absent: all' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { description: 'Dead letters', content: { 'application/json': { schema: z.object({ pending: z.number().int(), items: z.array(DeadLetterOut) }) } } },
    ...errorResponses('unauthorized'),
  },
});

const replayRoute = createRoute({
  method: 'post',
  path: '/admin/dead-letters/replay',
  tags: ['operations'],
  summary: 'Send pending dead letters back to the queue',
  description: 'Puts pending dead letters (the given `ids`, or the oldest `limit`) back on the queue and marks them replayed, in one transaction, so two concurrent replays never send a job twice.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ ids: z.array(z.string().min(1).max(200)).min(1).max(500).optional(), limit: z.number().int().min(1).max(500).default(50) }) } },
    },
  },
  responses: {
    200: { description: 'Replayed', content: { 'application/json': { schema: z.object({ replayed: z.number().int(), items: z.array(DeadLetterOut) }) } } },
    ...errorResponses('unauthorized', 503),
  },
});

function out(d: DeadLetter): z.infer<typeof DeadLetterOut> {
  return {
    id: d.id,
    job: { type: d.job.type, payload: d.job.payload },
    attempts: d.attempts,
    lastError: d.lastError,
    firstFailedAt: new Date(d.firstFailedAt).toISOString(),
    lastFailedAt: new Date(d.lastFailedAt).toISOString(),
    replayedAt: d.replayedAt ? new Date(d.replayedAt).toISOString() : null,
  };
}

export function registerDeadLetters(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { pending, limit } = c.req.valid('query');
    const deps = c.get('deps');
    const ctx = c.get('ctx');
    const [items, count] = await Promise.all([
      listDeadLetters({ deps, ctx, input: { limit, ...(pending === undefined ? {} : { pending: pending === 'true' }) } }),
      countPendingDeadLetters({ deps, ctx, input: {} }),
    ]);
    return c.json({ pending: count, items: items.map(out) }, 200);
  });
  app.openapi(replayRoute, async (c) => {
    const { ids, limit } = c.req.valid('json');
    const deps = c.get('deps');
    const taken = await takeForReplay({ deps, ctx: c.get('ctx'), input: { limit, ...(ids ? { ids } : {}) } });
    return c.json({ replayed: taken.length, items: taken.map(out) }, 200);
  });
}
