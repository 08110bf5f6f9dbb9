/**
 * SqsQueue — Queue on Amazon SQS. `send` packs jobs into SendMessageBatch calls (≤ 10 entries
 * and ≤ 256 KiB each), retries failed entries once, then throws naming the ones still failing.
 * The consumer side is a Lambda SQS trigger; its event helpers live in sqs-event.ts (no SDK):
 * `parseSqsEvent` and `toBatchItemFailures`, so only failed messages return
 * to the queue (and, after maxReceiveCount, to the SQS DLQ).
 */
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { Job, Queue } from '../../ports/queue';
import { fail } from '../../errors';
import { JobSchema } from './job';
import { packBySize, utf8Bytes } from './pack';

export const SqsQueueOptions = z.object({
  queueUrl: z.url(),
  region: z.string().min(1),
  endpoint: z.url().optional(),
  credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).optional(),
});
export type SqsQueueOptions = z.infer<typeof SqsQueueOptions> & { client?: SQSClient };

/** SQS limits: 10 entries per batch, 256 KiB per message and per batch. */
const LIMITS = { maxCount: 10, maxBatchBytes: 262_144, maxItemBytes: 262_144, label: '256 KiB SQS' } as const;

/** Splits message bodies into batches that respect both SQS limits. */
export function packBatches(bodies: readonly string[]): string[][] {
  return packBySize(bodies, utf8Bytes, LIMITS);
}

/** Creates an SQS-backed Queue (send side). */
export function createSqsQueue(options: SqsQueueOptions): Queue & { readonly kind: 'sqs'; readonly client: SQSClient } {
  const { queueUrl, region, endpoint, credentials } = SqsQueueOptions.parse(options);
  const client = options.client ?? new SQSClient({ region, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) });

  async function sendBatch(bodies: string[]): Promise<void> {
    let entries: SendMessageBatchRequestEntry[] = bodies.map((MessageBody, i) => ({ Id: `m${i}`, MessageBody }));
    let lastErrors: string[] = [];
    for (let round = 0; round < 2 && entries.length > 0; round++) {
      let r;
      try {
        r = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      } catch (e) {
        throw fail.unavailable(`SQS SendMessageBatch failed: ${(e as Error).message}`, e);
      }
      const failed = new Set((r.Failed ?? []).map((f) => f.Id));
      lastErrors = (r.Failed ?? []).map((f) => `${f.Id} (${f.Code ?? 'error'}${f.SenderFault ? ', sender fault' : ''}: ${f.Message ?? ''})`);
      entries = entries.filter((e) => failed.has(e.Id));
    }
    if (entries.length > 0) {
      throw fail.unavailable(`SQS refused ${entries.length} message(s) after a retry: ${lastErrors.join('; ')}`);
    }
  }

  return {
    kind: 'sqs',
    client,

    /** Sends jobs in SendMessageBatch calls of up to 10 (in parallel). */
    async send(jobs: readonly Job[]) {
      const parsed = z.array(JobSchema).parse(jobs);
      if (parsed.length === 0) return;
      const bodies = parsed.map((j) => JSON.stringify({ type: j.type, payload: j.payload ?? null }));
      await Promise.all(packBatches(bodies).map(sendBatch));
    },
  };
}

export { fromSqsEvent, parseSqsEvent, toBatchItemFailures, type MalformedMessage } from './sqs-event';
