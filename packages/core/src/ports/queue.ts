/** Queue — at-least-once delivery of jobs; every consumer is idempotent. */
export type JobType = 'lineage.ingest' | 'lineage.publish' | 'outbox.sweep' | 'cache.invalidate' | 'upload.verify';

export interface Job<T = unknown> {
  readonly type: JobType;
  readonly payload: T;
}

export interface Delivery<T = unknown> {
  /** Stable per message across redeliveries. */
  readonly id: string;
  readonly job: Job<T>;
  /** 1 on the first delivery. */
  readonly attempt: number;
}

/** What a consumer says per message. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: string; readonly retryable?: boolean };

export type Consumer = (batch: readonly Delivery[]) => Promise<readonly Outcome[]>;

export interface Queue {
  readonly kind: 'memory' | 'sqs' | 'cloudflare';
  /** Enqueues jobs (one round trip per 10 for SQS). */
  send(jobs: readonly Job[]): Promise<void>;
}
