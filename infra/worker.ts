import { publicEnvironment, secretEnvironment } from './environment';
import { maxReceives } from './queue';
import { cloudflareCronJobs } from './schedules';
import { content } from './storage';

/*
 * The Cloudflare variant: the same Hono app as one Worker script that handles `fetch`,
 * `queue` and `scheduled`. It shares PostgreSQL, Redis and the S3 bucket with the AWS
 * variant (linking the bucket gives the Worker a scoped IAM user's keys as
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), and has its own Cloudflare Queue.
 * Only deployed when the stage is deployed with STRATA_CLOUDFLARE=1 (docs/adr/0010).
 */

const accountId = sst.cloudflare.DEFAULT_ACCOUNT_ID;

/** Messages that failed `maxReceives` times; the consumer also records them in Postgres. */
export const edgeDeadLetters = new sst.cloudflare.Queue('EdgeJobsDeadLetter');

/** The Worker's job queue (producer binding `JOBS_QUEUE`). */
export const edgeJobs = new sst.cloudflare.Queue('EdgeJobs');

/** Name of the queue producer binding the Worker entry sends jobs through. */
export const jobsQueueBinding = 'JOBS_QUEUE';

export const edge = new sst.cloudflare.Worker('Edge', {
  handler: 'functions/src/entry/worker.ts',
  url: true,
  compatibility: { date: '2025-09-01', flags: ['nodejs_compat'] },
  link: [content],
  environment: {
    ...publicEnvironment(),
    // the scheduled handler maps `controller.cron` back to job names with this
    CRON_JOBS_JSON: JSON.stringify(cloudflareCronJobs()),
  },
  transform: {
    // credentials as secret_text (plain-text bindings show in the dashboard), and the
    // queue under a fixed binding name rather than the component name
    worker: (args) => {
      args.bindings = $resolve({
        own: $output(args.bindings ?? []),
        secrets: $output(secretEnvironment()),
        queueName: edgeJobs.nodes.queue.queueName,
      }).apply(({ own, secrets, queueName }) => [
        ...own,
        ...Object.entries(secrets).map(([name, text]) => ({ type: 'secret_text', name, text })),
        { type: 'queue', name: jobsQueueBinding, queueName },
      ]);
    },
  },
});

/** The same script consumes the queue; failures retry, then land in the dead-letter queue. */
export const edgeConsumer = new cloudflare.QueueConsumer('EdgeJobsConsumer', {
  accountId,
  queueId: edgeJobs.id,
  scriptName: edge.nodes.worker.scriptName,
  type: 'worker',
  deadLetterQueue: edgeDeadLetters.nodes.queue.queueName,
  settings: { batchSize: 10, maxRetries: maxReceives - 1, maxWaitTimeMs: 5_000 },
});

/** Cron triggers on the same script, one per distinct expression in `infra/schedules.ts`. */
export const edgeCron = new cloudflare.WorkersCronTrigger('EdgeCron', {
  accountId,
  scriptName: edge.nodes.worker.scriptName,
  schedules: Object.keys(cloudflareCronJobs()).map((cron) => ({ cron })),
});
