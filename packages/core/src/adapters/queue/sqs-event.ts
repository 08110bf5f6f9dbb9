/**
 * Lambda SQS events → deliveries, and deliveries' outcomes → a partial batch response. Pure:
 * no AWS SDK here, so the consumer entry can parse events without loading the SQS client.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { fail } from '../../errors';
import type { Delivery, Job, Outcome } from '../../ports/queue';
import { JobSchema } from './job';

const SqsRecord = z.object({
  messageId: z.string().min(1),
  body: z.string(),
  eventSource: z.literal('aws:sqs'),
  attributes: z.object({ ApproximateReceiveCount: z.string().regex(/^\d+$/) }).loose(),
}).loose();
const SqsEventSchema = z.object({ Records: z.array(SqsRecord) });

export interface MalformedMessage {
  readonly messageId: string;
  readonly error: string;
}

/**
 * Turns a Lambda SQS event into deliveries. Messages whose body is not a valid job are
 * returned in `malformed` so the entry can report them as failures (they reach the DLQ).
 * Throws `bad-request` when the event is not an SQS event at all.
 */
export function parseSqsEvent(event: unknown): { deliveries: Delivery[]; malformed: MalformedMessage[] } {
  const parsed = SqsEventSchema.safeParse(event);
  if (!parsed.success) throw fail.badRequest('Not an SQS event.', parsed.error.issues[0]?.message);
  const deliveries: Delivery[] = [];
  const malformed: MalformedMessage[] = [];
  for (const r of parsed.data.Records) {
    let body: unknown;
    try {
      body = JSON.parse(r.body);
    } catch {
      malformed.push({ messageId: r.messageId, error: 'body is not JSON' });
      continue;
    }
    const job = JobSchema.safeParse(body);
    if (!job.success) {
      malformed.push({ messageId: r.messageId, error: `body is not a job: ${job.error.issues[0]?.message ?? 'invalid'}` });
      continue;
    }
    const attempt = Math.max(1, Number(r.attributes.ApproximateReceiveCount));
    deliveries.push({ id: r.messageId, job: job.data as Job, attempt });
  }
  return { deliveries, malformed };
}

/** The valid deliveries of a Lambda SQS event (see `parseSqsEvent` for the malformed ones). */
export function fromSqsEvent(event: SQSEvent | unknown): Delivery[] {
  return parseSqsEvent(event).deliveries;
}

/**
 * Partial batch response: every delivery whose outcome is missing or not ok, plus any
 * malformed messages. Requires `ReportBatchItemFailures` on the event source mapping.
 */
export function toBatchItemFailures(
  deliveries: readonly Delivery[],
  outcomes: readonly Outcome[],
  malformed: readonly MalformedMessage[] = [],
): SQSBatchResponse {
  const failures = deliveries.filter((_, i) => outcomes[i]?.ok !== true).map((d) => ({ itemIdentifier: d.id }));
  for (const m of malformed) failures.push({ itemIdentifier: m.messageId });
  return { batchItemFailures: failures };
}
