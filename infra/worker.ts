import { publicEnvironment, secretEnvironment } from './environment';
import { maxReceives } from './queue';
import { cloudflareCronJobs } from './schedules';
import { content } from './storage';

/*
 * The Cloudflare variant: the same Hono app as one Worker script that handles `fetch`,
 * `queue` and `scheduled`. It shares PostgreSQL, Redis and the S3 bucket with the AWS
 * variant and has its own Cloudflare Queue. Deployed only when the stage is deployed with
 * STRATA_CLOUDFLARE=1 (docs/adr/0010).
 */

const accountId = sst.cloudflare.DEFAULT_ACCOUNT_ID;

/** Messages that failed `maxReceives` times; the consumer also records them in Postgres. */
export const edgeDeadLetters = new sst.cloudflare.Queue('EdgeJobsDeadLetter');

/** The Worker's job queue. */
export const edgeJobs = new sst.cloudflare.Queue('EdgeJobs');

/** Name of the queue producer binding the Worker entry sends jobs through. */
export const jobsQueueBinding = 'JOBS_QUEUE';

// Outside AWS there is no execution role: an IAM user limited to the content bucket
const blobUser = new aws.iam.User('EdgeBlobUser', { forceDestroy: true });
new aws.iam.UserPolicy('EdgeBlobPolicy', {
  user: blobUser.name,
  policy: $jsonStringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'],
        Resource: [content.arn, $interpolate`${content.arn}/*`],
      },
    ],
  }),
});
const blobKey = new aws.iam.AccessKey('EdgeBlobKey', { user: blobUser.name });

export const edge = new sst.cloudflare.Worker('Edge', {
  handler: 'functions/src/entry/worker.ts',
  url: true,
  compatibility: { date: '2025-09-01', flags: ['nodejs_compat'] },
  environment: {
    ...publicEnvironment(),
    S3_ACCESS_KEY_ID: blobKey.id,
    QUEUE_MAX_ATTEMPTS: String(maxReceives),
    // the scheduled handler maps `controller.cron` back to job names with this
    CRON_JOBS_JSON: JSON.stringify(cloudflareCronJobs()),
  },
  transform: {
    // credentials as secret_text (plain-text bindings show in the dashboard), and the
    // queue under a fixed binding name rather than the component name
    worker: (args) => {
      args.bindings = $resolve({
        own: $output(args.bindings ?? []),
        secrets: $output({ ...secretEnvironment(), S3_SECRET_ACCESS_KEY: blobKey.secret }),
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
  // maxRetries counts redeliveries: 1 + (maxReceives - 1) deliveries, as on SQS
  settings: { batchSize: 10, maxRetries: maxReceives - 1, maxWaitTimeMs: 5_000 },
});

/** Cron triggers on the same script, one per distinct expression in `infra/schedules.ts`. */
export const edgeCron = new cloudflare.WorkersCronTrigger('EdgeCron', {
  accountId,
  scriptName: edge.nodes.worker.scriptName,
  schedules: Object.keys(cloudflareCronJobs()).map((cron) => ({ cron })),
});
