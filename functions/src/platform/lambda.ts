/**
 * AWS Lambda: the HTTP API (hono/aws-lambda), the SQS consumer (partial batch responses),
 * the scheduler (EventBridge `{ job }`) and the migrator. Each handler builds Deps once per cold
 * start from the environment the entry hands it, and awaits background work before returning:
 * the sandbox freezes as soon as the handler resolves.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context, SQSBatchResponse } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import ws from 'ws';
import { z } from 'zod';
import { lazyBlobStore, lazyQueue } from '@strata/core/adapters/lazy';
import { parseSqsEvent, toBatchItemFailures } from '@strata/core/adapters/queue/sqs-event';
import { createNeonPoolSql } from '@strata/core/adapters/sql/neon-pool';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { parseConfig } from '@strata/core/config/index';
import { nodeResolver } from './node-resolver';
import { createDeps, DepsError, type Deps, type Platform } from '@strata/core/create-deps';
import { migrate } from '@strata/core/migrate/files';
import { parseScheduleNames, runScheduledJobs, type ScheduleRun } from '@strata/core/jobs/schedule';
import type { Sql } from '@strata/core/ports/sql';
import { createApp } from '../app';
import { once } from '@strata/core/util/once';
import { bootFailure } from './boot';
import { consumeDeliveries } from './consume';

export type LambdaEnv = Readonly<Record<string, string | undefined>>;

/**
 * The Lambda platform: no embedded tiers, `ws` for Neon's Pool (Node has no global WebSocket
 * before 22). The S3 and SQS clients load on first use, off the cold start (ADR 0013).
 */
export const lambdaPlatform: Platform = {
  runtime: 'lambda',
  webSocketConstructor: ws,
  openPgSql: (url, max) => createPgSql({ url, max }),
  // loaded only when REDIS_URL is set (Upstash needs no client library beyond fetch)
  openRedisKv: async (o) => (await import('@strata/core/adapters/kv/redis')).createRedisKv(o),
  openS3BlobStore: (o) => lazyBlobStore('s3', async () => (await import('@strata/core/adapters/blob/s3')).createS3BlobStore(o)),
  openSqsQueue: (o) => lazyQueue('sqs', async () => (await import('@strata/core/adapters/queue/sqs')).createSqsQueue(o)),
  resolveHost: nodeResolver,
  signCdnUrl: async (i) => (await import('@strata/core/delivery/cloudfront')).signCloudFrontUrl(i),
};

/** Deps for this cold start. Lambda has no in-process queue worth the name: QUEUE_URL is required. */
export function lambdaDeps(env: LambdaEnv): () => Promise<Deps> {
  return once(async () => {
    const config = parseConfig(env);
    if (!config.QUEUE_URL) throw new DepsError('QUEUE_URL is required on lambda (jobs would be lost when the sandbox freezes)');
    return createDeps(config, lambdaPlatform);
  });
}

/** API Gateway v2 / function URL handler around the one Hono app. */
export function httpHandler(env: LambdaEnv) {
  const deps = lambdaDeps(env);
  let serve: ReturnType<typeof handle> | undefined;
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> => {
    let d: Deps;
    try {
      d = await deps();
    } catch (e) {
      const res = bootFailure(e, event.rawPath ?? '/');
      return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
    }
    serve ??= handle(createApp(d));
    try {
      return (await serve(event as unknown as LambdaEvent, context)) as APIGatewayProxyResultV2;
    } finally {
      // cache fills and outbox marks run after the response; the sandbox would freeze them
      await d.background.drain();
    }
  };
}

/** SQS consumer: only failed messages are reported, so one bad message never redelivers the batch. */
export function queueHandler(env: LambdaEnv) {
  const deps = lambdaDeps(env);
  return async (event: unknown): Promise<SQSBatchResponse> => {
    const d = await deps();
    const { deliveries, malformed } = parseSqsEvent(event);
    for (const m of malformed) d.log.warn('malformed queue message', { id: m.messageId, error: m.error });
    try {
      const verdicts = await consumeDeliveries(d, deliveries);
      const outcomes = verdicts.map((v) => (v === 'ack' ? { ok: true as const } : { ok: false as const, error: 'retry' }));
      return toBatchItemFailures(deliveries, outcomes, malformed);
    } finally {
      await d.background.drain();
    }
  };
}

/** EventBridge Scheduler input (`{ job }`, infra/cron.ts) or a classic scheduled event carrying it in `detail`. */
const CronEvent = z.union([
  z.object({ job: z.string() }),
  z.object({ jobs: z.array(z.string()).min(1) }),
  z.object({ 'detail-type': z.literal('Scheduled Event'), detail: z.object({ job: z.string() }) }),
]);

/** Scheduler: runs the named job(s); throws when one failed, so the invocation counts as failed and retries. */
export function cronHandler(env: LambdaEnv) {
  const deps = lambdaDeps(env);
  return async (event: unknown): Promise<{ runs: ScheduleRun[] }> => {
    const parsed = CronEvent.safeParse(event);
    if (!parsed.success) throw new Error('Not a scheduler event: expected { "job": "<name>" }.');
    const e = parsed.data;
    const names = parseScheduleNames('jobs' in e ? e.jobs : 'detail' in e ? [e.detail.job] : [e.job]);
    const d = await deps();
    try {
      const runs = await runScheduledJobs(d, names);
      const failed = runs.filter((r) => r.status === 'failed');
      if (failed.length > 0) throw new Error(`scheduled job(s) failed: ${failed.map((r) => r.job).join(', ')}`);
      return { runs };
    } finally {
      await d.background.drain();
    }
  };
}

/**
 * Migrator (infra/migrations.ts): applies pending migrations from `dir`. It needs only
 * DATABASE_URL, and a session-holding connection (migrations run as multi-statement scripts).
 */
export function migrateHandler(env: LambdaEnv, dir: string) {
  return async (event: unknown): Promise<{ applied: string[] }> => {
    const config = parseConfig(env);
    if (!config.DATABASE_URL) throw new DepsError('DATABASE_URL is required on lambda');
    const url = config.DATABASE_URL.reveal();
    const sql: Sql =
      config.SQL_DRIVER === 'pg'
        ? createPgSql({ url, max: 1 })
        : createNeonPoolSql({
            url,
            max: 1,
            secure: config.NEON_SECURE_WS,
            webSocketConstructor: ws,
            ...(config.NEON_WS_PROXY ? { wsProxy: config.NEON_WS_PROXY } : {}),
          });
    try {
      const { applied } = await migrate(sql, { dir });
      console.log(JSON.stringify({ level: 'info', msg: 'migrations applied', applied, trigger: (event as { source?: unknown } | null)?.source ?? null }));
      return { applied };
    } finally {
      await sql.close();
    }
  };
}
