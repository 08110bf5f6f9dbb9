/**
 * Dead letters: jobs that failed their last attempt, kept in Postgres (table from
 * migrations/0003_dead_letters.sql) for inspection and replay.
 */
import { z } from 'zod';
import type { Call, NoInput } from '../context';
import type { Job, JobType, Queue } from '../ports/queue';
import type { Sql, SqlSession } from '../ports/sql';
import { JobSchema } from '../adapters/queue/job';

export const DeadLetterInput = z.object({
  id: z.string().min(1).max(200),
  job: JobSchema,
  attempts: z.number().int().min(1),
  error: z.string(),
});
export type DeadLetterInput = z.input<typeof DeadLetterInput>;

export interface DeadLetter {
  readonly id: string;
  readonly job: Job;
  readonly attempts: number;
  readonly lastError: string;
  readonly firstFailedAt: Date;
  readonly lastFailedAt: Date;
  readonly replayedAt: Date | null;
}

interface DeadLetterRow {
  [k: string]: unknown;
  id: string;
  job_type: JobType;
  payload: unknown;
  attempts: number;
  last_error: string;
  first_failed_at: Date;
  last_failed_at: Date;
  replayed_at: Date | null;
}

const COLUMNS = 'id, job_type, payload, attempts, last_error, first_failed_at, last_failed_at, replayed_at';
/** Errors can be stack traces; keep rows bounded. */
const MAX_ERROR_CHARS = 4000;

function toDeadLetter(r: DeadLetterRow): DeadLetter {
  return {
    id: r.id,
    job: { type: r.job_type, payload: r.payload },
    attempts: r.attempts,
    lastError: r.last_error,
    firstFailedAt: r.first_failed_at,
    lastFailedAt: r.last_failed_at,
    replayedAt: r.replayed_at,
  };
}

/**
 * Records a dead letter; idempotent on `id`. A repeat keeps `first_failed_at`, refreshes the
 * error and attempts, and clears `replayed_at` because the message is failing again.
 */
export async function recordDeadLetter(sql: SqlSession, input: DeadLetterInput): Promise<void> {
  const d = DeadLetterInput.parse(input);
  await sql.query(
    `INSERT INTO dead_letters (id, job_type, payload, attempts, last_error)
     VALUES ($1, $2, $3::jsonb, $4, $5)
     ON CONFLICT (id) DO UPDATE SET
       attempts = GREATEST(dead_letters.attempts, EXCLUDED.attempts),
       last_error = EXCLUDED.last_error,
       last_failed_at = now(),
       replayed_at = NULL`,
    [d.id, d.job.type, JSON.stringify(d.job.payload ?? null), d.attempts, d.error.slice(0, MAX_ERROR_CHARS)],
  );
}

const ListOptions = z.object({
  /** true → only not yet replayed; false → only replayed; absent → all. */
  pending: z.boolean().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

/** Lists dead letters, oldest failure first. */
export async function listDeadLetters(call: Call<{ readonly sql: SqlSession }, z.input<typeof ListOptions>>): Promise<DeadLetter[]> {
  const { sql } = call.deps;
  const o = ListOptions.parse(call.input);
  const where = o.pending === undefined ? '' : o.pending ? 'WHERE replayed_at IS NULL' : 'WHERE replayed_at IS NOT NULL';
  const rows = await sql.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters ${where} ORDER BY last_failed_at, id LIMIT $1`,
    [o.limit],
  );
  return rows.map(toDeadLetter);
}

/** Number of dead letters not yet replayed (the DLQ depth metric). */
export async function countPendingDeadLetters(call: Call<{ readonly sql: SqlSession }, NoInput>): Promise<number> {
  const { sql } = call.deps;
  const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters WHERE replayed_at IS NULL');
  return rows[0]?.n ?? 0;
}

const ReplayOptions = z.object({
  limit: z.number().int().min(1).max(500).default(50),
  /** Restrict to these ids (e.g. an operator replaying one message). */
  ids: z.array(z.string().min(1)).max(500).optional(),
});

/**
 * Claims up to `limit` pending dead letters, sends their jobs (`deps.queue.send`) and marks
 * them replayed — all in one transaction, so a failed enqueue leaves
 * them pending and concurrent replayers never take the same row (SKIP LOCKED).
 */
export async function takeForReplay(call: Call<{ readonly sql: Sql; readonly queue: Pick<Queue, 'send'> }, z.input<typeof ReplayOptions>>): Promise<DeadLetter[]> {
  const { sql, queue } = call.deps;
  const o = ReplayOptions.parse(call.input);
  return sql.transaction(async (tx) => {
    const rows = await tx.query<DeadLetterRow>(
      `SELECT ${COLUMNS} FROM dead_letters
       WHERE replayed_at IS NULL ${o.ids ? 'AND id = ANY($2::text[])' : ''}
       ORDER BY last_failed_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      o.ids ? [o.limit, o.ids] : [o.limit],
    );
    if (rows.length === 0) return [];
    const taken = rows.map(toDeadLetter);
    await queue.send(taken.map((d) => d.job));
    const marked = await tx.query<DeadLetterRow>(
      `UPDATE dead_letters SET replayed_at = now() WHERE id = ANY($1::text[]) RETURNING ${COLUMNS}`,
      [taken.map((d) => d.id)],
    );
    const byId = new Map(marked.map((r) => [r.id, toDeadLetter(r)]));
    return taken.map((d) => byId.get(d.id) ?? d);
  });
}
