/**
 * Queue consumption shared by the SQS (Lambda) and Cloudflare Queues (Worker) consumers: run
 * the deliveries through the job router and decide per message whether it is done. A failure
 * on the last attempt, or one the handler calls non-retryable, is recorded in the Postgres
 * dead-letter table (the `dead-letter-replay` job re-sends from there).
 */
import type { Deps } from '@strata/core/deps';
import { recordDeadLetter } from '@strata/core/jobs/dead-letters';
import type { Delivery } from '@strata/core/ports/queue';

/** What to tell the queue about one message. */
export type Verdict = 'ack' | 'retry';

/**
 * Consumes `deliveries`; returns a verdict per delivery, in order. Non-retryable failures are
 * acked once recorded (redelivery cannot help); last-attempt failures are recorded and still
 * reported, so the queue also moves them to its own dead-letter queue.
 */
export async function consumeDeliveries(deps: Deps, deliveries: readonly Delivery[]): Promise<Verdict[]> {
  if (deliveries.length === 0) return [];
  const outcomes = await deps.jobs.consume(deliveries);
  return Promise.all(
    deliveries.map(async (d, i): Promise<Verdict> => {
      const o = outcomes[i];
      if (o?.ok) return 'ack';
      const error = o && !o.ok ? o.error : 'handler returned no outcome';
      const permanent = o !== undefined && !o.ok && o.retryable === false;
      if (!permanent && d.attempt < deps.config.QUEUE_MAX_ATTEMPTS) return 'retry';
      try {
        await recordDeadLetter(deps.sql, { id: d.id, job: d.job, attempts: d.attempt, error });
      } catch (e) {
        deps.log.error('could not record dead letter', { id: d.id, type: d.job.type, error: String(e) });
        return 'retry';
      }
      deps.log.warn('job dead-lettered', { id: d.id, type: d.job.type, attempt: d.attempt, error });
      return permanent ? 'ack' : 'retry';
    }),
  );
}
