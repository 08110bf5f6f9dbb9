import { lambdaDefaults } from './defaults';
import { appEnvironment } from './environment';
import { content } from './storage';

/**
 * Messages that failed `maxReceiveCount` times. The consumer also records them in the
 * Postgres dead-letter table; the `dead-letter-replay` cron job re-sends them from there.
 */
export const deadLetters = new sst.aws.Queue('JobsDeadLetter', {
  // the SQS maximum, so an operator has two weeks to look at a poison message
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

/** Deliveries per message before it moves to the dead-letter queue (SQS and Cloudflare). */
export const maxReceives = 5;

/** Lineage ingest, cache invalidation and reconcile work (at-least-once, idempotent). */
export const jobs = new sst.aws.Queue('Jobs', {
  dlq: { queue: deadLetters.arn, retry: maxReceives },
  // AWS requires >= the consumer timeout; six times it leaves room for throttled retries
  visibilityTimeout: '6 minutes',
});

/** The consumer reports failures per message, so one bad message never redelivers its batch. */
export const consumer = jobs.subscribe(
  {
    ...lambdaDefaults,
    handler: 'functions/src/entry/queue.handler',
    timeout: '1 minute',
    memory: '512 MB',
    link: [content, jobs],
    environment: appEnvironment(jobs, maxReceives),
  },
  {
    batch: { size: 10, window: '5 seconds', partialResponses: true },
  },
);
