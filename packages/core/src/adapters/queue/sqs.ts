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
import { StrataError, fail } from '../../errors';
import { JobSchema } from './job';

export const SqsQueueOptions = z.object({
  queueUrl: z.url(),
  region: z.string().min(1),
  endpoint: z.url().optional(),
  credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).optional(),
});
export type SqsQueueOptions = z.infer<typeof SqsQueueOptions> & { client?: SQSClient };

/** SQS limits: 10 entries per batch, 256 KiB per message and per batch. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 262_144;

const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength;

/** Splits message bodies into batches that respect both SQS limits. */
export function packBatches(bodies: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const n = utf8Length(body);
    if (n > MAX_BYTES) throw new StrataError('payload-too-large', `A ${n}-byte job exceeds the 256 KiB SQS message limit.`);
    if (cur.length === MAX_ENTRIES || bytes + n > MAX_BYTES) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(body);
    bytes += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
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
