/**
 * CloudflareQueue — Queue on a Cloudflare Queues producer binding. `send` packs jobs into
 * `sendBatch` calls within Cloudflare's limits (100 messages, 256 KB per batch, 128 KB per
 * message). The consumer side is the Worker's `queue` handler: `fromCloudflareBatch` turns
 * the batch into deliveries; the entry then acks or retries each message, so one bad message
 * never redelivers the others.
 */
import { z } from 'zod';
import type { Delivery, Job, Queue } from '../../ports/queue';
import { fail } from '../../errors';
import { JobSchema } from './job';
import { packBySize, utf8Bytes } from './pack';

/** The part of a Queues producer binding this adapter uses. */
export interface QueueProducerBinding {
  sendBatch(messages: Iterable<{ body: unknown; contentType?: 'json' }>): Promise<unknown>;
}

/** The part of a delivered message the consumer uses. */
export interface QueueMessage {
  readonly id: string;
  readonly body: unknown;
  /** 1 on the first delivery. */
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

const LIMITS = { maxCount: 100, maxBatchBytes: 256_000, maxItemBytes: 128_000, label: '128 KB Cloudflare Queues' } as const;

/** Creates a Queue that sends through a Cloudflare Queues producer binding. */
export function createCloudflareQueue(binding: QueueProducerBinding): Queue & { readonly kind: 'cloudflare' } {
  return {
    kind: 'cloudflare',
    /** Sends jobs as JSON messages, one `sendBatch` per ≤ 100. */
    async send(jobs) {
      const parsed = z.array(JobSchema).parse(jobs).map((j): Job => ({ type: j.type, payload: j.payload ?? null }));
      for (const batch of packBySize(parsed, (job) => utf8Bytes(JSON.stringify(job)), LIMITS)) {
        try {
          await binding.sendBatch(batch.map((body) => ({ body, contentType: 'json' as const })));
        } catch (e) {
          throw fail.unavailable(`Cloudflare Queues sendBatch failed: ${(e as Error).message}`, e);
        }
      }
    },
  };
}

/**
 * Turns a Worker queue batch into deliveries; messages whose body is not a job come back in
 * `malformed` (the entry retries them so they reach the dead-letter queue, as on SQS).
 */
export function fromCloudflareBatch(messages: readonly QueueMessage[]): {
  deliveries: { delivery: Delivery; message: QueueMessage }[];
  malformed: { message: QueueMessage; error: string }[];
} {
  const deliveries: { delivery: Delivery; message: QueueMessage }[] = [];
  const malformed: { message: QueueMessage; error: string }[] = [];
  for (const message of messages) {
    const job = JobSchema.safeParse(message.body);
    if (!job.success) {
      malformed.push({ message, error: `body is not a job: ${job.error.issues[0]?.message ?? 'invalid'}` });
      continue;
    }
    deliveries.push({ delivery: { id: message.id, job: job.data as Job, attempt: Math.max(1, message.attempts) }, message });
  }
  return { deliveries, malformed };
}
