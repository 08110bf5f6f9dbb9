/**
 * The Cloudflare Worker: one script answering `fetch`, `queue` and `scheduled`. Deps are built
 * on the first event of an isolate from its bindings (plain-text and secret bindings are the
 * configuration; JOBS_QUEUE is the Queues producer) and reused by every later event. Only
 * edge-safe adapters are reachable from here: Neon over fetch/WebSocket, Upstash over fetch,
 * S3 over fetch + SigV4, Cloudflare Queues (docs/adr/0005, 0006).
 */
import { z } from 'zod';
import { createS3FetchBlobStore } from '@strata/core/adapters/blob/s3-fetch';
import { createCloudflareQueue, fromCloudflareBatch, type QueueMessage, type QueueProducerBinding } from '@strata/core/adapters/queue/cloudflare';
import { parseConfig } from '@strata/core/config/index';
import { createDeps, DepsError, type Deps } from '@strata/core/create-deps';
import { ScheduleName, runScheduledJobs, type ScheduleRun } from '@strata/core/jobs/schedule';
import { createApp, type App } from '../app';
import { once } from '@strata/core/util/once';
import { bootFailure } from './boot';
import { consumeDeliveries } from './consume';

/** Bindings: strings for configuration, plus the queue producer. */
export type WorkerEnv = Readonly<Record<string, unknown>>;

export interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}
export interface WorkerScheduledController {
  readonly cron: string;
  readonly scheduledTime: number;
}
export interface WorkerMessageBatch {
  readonly queue: string;
  readonly messages: readonly QueueMessage[];
}

/** Name of the producer binding (infra/worker.ts `jobsQueueBinding`). */
export const JOBS_QUEUE_BINDING = 'JOBS_QUEUE';

/** CRON_JOBS_JSON: cron expression → job names (infra/schedules.ts `cloudflareCronJobs`). */
const CronJobs = z.record(z.string().min(1), z.array(ScheduleName).min(1));

interface Booted {
  readonly deps: Deps;
  readonly app: App;
  readonly cronJobs: z.infer<typeof CronJobs>;
}

function isProducer(v: unknown): v is QueueProducerBinding {
  return typeof v === 'object' && v !== null && typeof (v as QueueProducerBinding).sendBatch === 'function';
}

/** Builds everything an isolate needs from its bindings. */
async function boot(env: WorkerEnv): Promise<Booted> {
  const config = parseConfig(env);
  const producer = env[JOBS_QUEUE_BINDING];
  if (!isProducer(producer)) throw new DepsError(`the ${JOBS_QUEUE_BINDING} queue producer binding is required on worker`);
  let cronJobs: z.infer<typeof CronJobs> = {};
  if (typeof env.CRON_JOBS_JSON === 'string' && env.CRON_JOBS_JSON.trim() !== '') {
    let raw: unknown;
    try {
      raw = JSON.parse(env.CRON_JOBS_JSON);
    } catch {
      throw new DepsError('CRON_JOBS_JSON is not valid JSON');
    }
    const parsed = CronJobs.safeParse(raw);
    if (!parsed.success) throw new DepsError(`CRON_JOBS_JSON: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    cronJobs = parsed.data;
  }
  const deps = await createDeps(config, {
    runtime: 'worker',
    queue: createCloudflareQueue(producer),
    openS3BlobStore: (o) => {
      if (!o.credentials) throw new DepsError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required on worker');
      return createS3FetchBlobStore({ ...o, credentials: o.credentials });
    },
  });
  return { deps, app: createApp(deps), cronJobs };
}

/** The Worker's handlers; Deps live as long as the isolate. */
export function createWorker() {
  let bootEnv: WorkerEnv = {};
  const booted = once(() => boot(bootEnv));
  const get = (env: WorkerEnv) => {
    bootEnv = env;
    return booted();
  };

  return {
    /** HTTP: the Hono app; background work goes to `ctx.waitUntil`. */
    async fetch(request: Request, env: WorkerEnv, ctx: WorkerExecutionContext): Promise<Response> {
      let b: Booted;
      try {
        b = await get(env);
      } catch (e) {
        return bootFailure(e, new URL(request.url).pathname);
      }
      const res = await b.app.fetch(request, env, ctx as never);
      ctx.waitUntil(b.deps.background.drain());
      return res;
    },

    /** Queue consumer: each message is acked or retried on its own. */
    async queue(batch: WorkerMessageBatch, env: WorkerEnv, ctx: WorkerExecutionContext): Promise<void> {
      const { deps } = await get(env);
      const { deliveries, malformed } = fromCloudflareBatch(batch.messages);
      for (const m of malformed) {
        deps.log.warn('malformed queue message', { id: m.message.id, error: m.error });
        m.message.retry();
      }
      const verdicts = await consumeDeliveries(deps, deliveries.map((d) => d.delivery));
      deliveries.forEach((d, i) => (verdicts[i] === 'ack' ? d.message.ack() : d.message.retry()));
      ctx.waitUntil(deps.background.drain());
    },

    /** Cron trigger: runs the jobs CRON_JOBS_JSON maps `controller.cron` to; throws if one failed. */
    async scheduled(controller: WorkerScheduledController, env: WorkerEnv, ctx: WorkerExecutionContext): Promise<ScheduleRun[]> {
      const { deps, cronJobs } = await get(env);
      const names = cronJobs[controller.cron];
      if (!names) throw new DepsError(`no jobs for cron "${controller.cron}" in CRON_JOBS_JSON`);
      const runs = await runScheduledJobs(deps, names);
      ctx.waitUntil(deps.background.drain());
      const failed = runs.filter((r) => r.status === 'failed');
      if (failed.length > 0) throw new Error(`scheduled job(s) failed: ${failed.map((r) => r.job).join(', ')}`);
      return runs;
    },
  };
}
