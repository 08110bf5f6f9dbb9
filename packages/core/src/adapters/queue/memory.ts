/**
 * MemoryQueue — the in-process Queue for the embedded/Node host and tests. Delivery always
 * happens from the scheduler, never in the sender's stack; failures are retried with
 * exponential backoff and, after `maxAttempts` (or a non-retryable outcome), handed to
 * `deadLetter` (normally `recordDeadLetter` into Postgres). At-least-once, like SQS: a crash
 * loses in-memory messages, so durable work must be recoverable elsewhere (outbox sweep).
 */
import { z } from 'zod';
import type { Consumer, Delivery, Job, Outcome, Queue } from '../../ports/queue';
import { JobSchema } from './job';

/** Runs `fn` after `ms`; the returned promise (if any) lets test schedulers await the work. */
export type Schedule = (fn: () => Promise<void>, ms: number) => void;

export interface MemoryQueueOptions {
  consumer?: Consumer;
  /** Deliveries per message before dead-lettering (default 5). */
  maxAttempts?: number;
  /** Delay before delivery `attempt + 1` after `attempt` failed (default 500 ms · 2^(attempt-1), max 5 min). */
  backoff?: (attempt: number) => number;
  deadLetter: (delivery: Delivery, error: string) => Promise<void>;
  schedule?: Schedule;
  /** Messages per consumer call (default 10, like SQS). */
  batchSize?: number;
}

export interface MemoryQueue extends Queue {
  readonly kind: 'memory';
  /** Installs (or replaces) the consumer and starts delivering anything waiting. */
  setConsumer(consumer: Consumer): void;
  /** Resolves once nothing is waiting, in flight or scheduled for retry. */
  drain(): Promise<void>;
  /** Counts for /metrics: ready, in flight, awaiting retry. */
  depth(): { ready: number; inFlight: number; retrying: number };
}

export const defaultBackoff = (attempt: number): number => Math.min(300_000, 500 * 2 ** (attempt - 1));

const OptionsSchema = z.object({
  maxAttempts: z.number().int().min(1).max(100).default(5),
  batchSize: z.number().int().min(1).max(1000).default(10),
});

const defaultSchedule: Schedule = (fn, ms) => {
  setTimeout(() => void fn(), ms);
};

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Creates an in-process queue (see the file comment for its guarantees). */
export function createMemoryQueue(options: MemoryQueueOptions): MemoryQueue {
  const { maxAttempts, batchSize } = OptionsSchema.parse(options);
  const backoff = options.backoff ?? defaultBackoff;
  const schedule = options.schedule ?? defaultSchedule;
  let consumer = options.consumer;
  const ready: Delivery[] = [];
  let inFlight = 0;
  let retrying = 0;
  let pumping = false;
  let waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  function settle(): void {
    if (inFlight > 0 || retrying > 0 || pumping) return;
    if (ready.length > 0 && consumer) return;
    const w = waiters;
    waiters = [];
    for (const { resolve, reject } of w) {
      if (ready.length > 0) reject(new Error(`memory queue has ${ready.length} message(s) but no consumer`));
      else resolve();
    }
  }

  /** Re-queues deliveries after `ms`, as one scheduled task so they stay one batch. */
  function retryLater(deliveries: Delivery[], ms: number): void {
    const next = deliveries.map((d): Delivery => ({ id: d.id, job: d.job, attempt: d.attempt + 1 }));
    retrying += next.length;
    schedule(async () => {
      retrying -= next.length;
      ready.push(...next);
      await pump();
    }, ms);
  }

  /** A dead-letter sink that is down must not lose the message: try again later. */
  async function deadLetterWithRetry(d: Delivery, error: string): Promise<void> {
    try {
      await options.deadLetter(d, error);
    } catch {
      retrying++;
      schedule(async () => {
        try {
          await deadLetterWithRetry(d, error);
        } finally {
          retrying--;
          settle();
        }
      }, backoff(d.attempt));
    }
  }

  async function runBatch(batch: Delivery[], c: Consumer): Promise<void> {
    let outcomes: readonly Outcome[];
    try {
      outcomes = await c(batch);
    } catch (e) {
      // A consumer that throws has failed every message it was given.
      const msg = errorText(e);
      outcomes = batch.map(() => ({ ok: false, error: msg }));
    }
    const retries = new Map<number, Delivery[]>();
    const dead: Promise<void>[] = [];
    batch.forEach((d, i) => {
      const o = outcomes[i];
      if (o?.ok) return;
      const error = o ? o.error : 'consumer returned no outcome for this message';
      if ((o && o.retryable === false) || d.attempt >= maxAttempts) {
        dead.push(deadLetterWithRetry(d, error));
        return;
      }
      const ms = backoff(d.attempt);
      retries.set(ms, [...(retries.get(ms) ?? []), d]);
    });
    for (const [ms, ds] of retries) retryLater(ds, ms);
    await Promise.all(dead);
  }

  async function pump(): Promise<void> {
    if (pumping) return; // the running loop picks up whatever was just added
    pumping = true;
    try {
      while (consumer && ready.length > 0) {
        const batch = ready.splice(0, batchSize);
        inFlight += batch.length;
        try {
          await runBatch(batch, consumer);
        } finally {
          inFlight -= batch.length;
        }
      }
    } finally {
      pumping = false;
      settle();
    }
  }

  return {
    kind: 'memory',

    /** Enqueues jobs; delivery starts on the next scheduler turn. */
    async send(jobs: readonly Job[]) {
      const parsed = z.array(JobSchema).parse(jobs) as Job[];
      if (parsed.length === 0) return;
      for (const job of parsed) ready.push({ id: crypto.randomUUID(), job, attempt: 1 });
      schedule(pump, 0);
    },

    setConsumer(c) {
      consumer = c;
      if (ready.length > 0) schedule(pump, 0);
    },

    drain() {
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
        settle();
      });
    },

    depth: () => ({ ready: ready.length, inFlight, retrying }),
  };
}
