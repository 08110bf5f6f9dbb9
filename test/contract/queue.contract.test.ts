/**
 * Queue contract for the in-process queue: background delivery, at-least-once redelivery with
 * growing backoff (virtual scheduler, so it is fast and deterministic), dead-lettering into the
 * real dead_letters table (PGlite always, local PostgreSQL when reachable), poison isolation.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryQueue, type Schedule } from '@strata/core/adapters/queue/memory';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { countPendingDeadLetters, listDeadLetters, recordDeadLetter, takeForReplay } from '@strata/core/jobs/dead-letters';
import { migrateFrom } from '@strata/core/migrate/runner';
import type { Consumer, Delivery, Job, Outcome } from '@strata/core/ports/queue';
import type { Sql } from '@strata/core/ports/sql';
import { testCtx } from '../support/ctx';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

/** Virtual time: tasks run in due order, each awaited, so retries land at exact instants. */
function virtualScheduler() {
  let now = 0;
  let seq = 0;
  const tasks: Array<{ at: number; seq: number; fn: () => Promise<void> }> = [];
  const schedule: Schedule = (fn, ms) => void tasks.push({ at: now + ms, seq: seq++, fn });
  return {
    schedule,
    now: () => now,
    pending: () => tasks.length,
    async runAll(maxTasks = 1000) {
      for (let i = 0; tasks.length > 0; i++) {
        if (i >= maxTasks) throw new Error('scheduler did not settle');
        tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const t = tasks.shift()!;
        now = t.at;
        await t.fn();
      }
    },
  };
}

const job = (n: number, type: Job['type'] = 'lineage.ingest'): Job => ({ type, payload: { n } });
const ok: Outcome = { ok: true };
const backoff = (attempt: number) => 1000 * 2 ** (attempt - 1);

describe('MemoryQueue: delivery and retries', () => {
  it('delivers in the background, never inside send, as one batch', async () => {
    const sched = virtualScheduler();
    const seen: Delivery[][] = [];
    const q = createMemoryQueue({ schedule: sched.schedule, deadLetter: async () => {}, consumer: async (b) => (seen.push([...b]), b.map(() => ok)) });
    await q.send([job(1), job(2), job(3)]);
    expect(seen).toHaveLength(0);
    expect(q.depth().ready).toBe(3);
    await sched.runAll();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((d) => [d.job.payload, d.attempt])).toEqual([[{ n: 1 }, 1], [{ n: 2 }, 1], [{ n: 3 }, 1]]);
    expect(new Set(seen[0]!.map((d) => d.id)).size).toBe(3);
    await q.drain();
  });

  it('splits into batches of batchSize and refuses invalid jobs', async () => {
    const sched = virtualScheduler();
    const sizes: number[] = [];
    const q = createMemoryQueue({ schedule: sched.schedule, batchSize: 4, deadLetter: async () => {}, consumer: async (b) => (sizes.push(b.length), b.map(() => ok)) });
    await q.send(Array.from({ length: 9 }, (_, i) => job(i)));
    await sched.runAll();
    expect(sizes).toEqual([4, 4, 1]);
    await expect(q.send([{ type: 'nope' as Job['type'], payload: 1 }])).rejects.toThrow();
  });

  it('redelivers a failed message with the same id, growing backoff, until it succeeds', async () => {
    const sched = virtualScheduler();
    const calls: Array<{ at: number; id: string; attempt: number }> = [];
    const dead: Delivery[] = [];
    const q = createMemoryQueue({
      schedule: sched.schedule,
      backoff,
      maxAttempts: 5,
      deadLetter: async (d) => void dead.push(d),
      consumer: async (b) =>
        b.map((d) => {
          calls.push({ at: sched.now(), id: d.id, attempt: d.attempt });
          return d.attempt < 4 ? { ok: false, error: 'transient' } : ok;
        }),
    });
    await q.send([job(1)]);
    await sched.runAll();
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(1);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps).toEqual([1000, 2000, 4000]);
    expect(dead).toEqual([]);
  });

  it('a consumer that throws fails every message of the batch', async () => {
    const sched = virtualScheduler();
    let calls = 0;
    const attempts: number[][] = [];
    const q = createMemoryQueue({
      schedule: sched.schedule,
      deadLetter: async () => {},
      consumer: async (b) => {
        attempts.push(b.map((d) => d.attempt));
        if (calls++ === 0) throw new Error('database down');
        return b.map(() => ok);
      },
    });
    await q.send([job(1), job(2)]);
    await sched.runAll();
    expect(attempts).toEqual([[1, 1], [2, 2]]);
  });

  it('drain waits for real timers and rejects when messages have no consumer', async () => {
    let seen = 0;
    const q = createMemoryQueue({ backoff: () => 5, deadLetter: async () => {}, consumer: async (b) => b.map((d) => (seen++, d.attempt < 2 ? { ok: false, error: 'x' } : ok)) });
    await q.send([job(1), job(2)]);
    await q.drain();
    expect(seen).toBe(4);
    expect(q.depth()).toEqual({ ready: 0, inFlight: 0, retrying: 0 });
    const idle = createMemoryQueue({ deadLetter: async () => {} });
    await idle.send([job(1)]);
    await expect(idle.drain()).rejects.toThrow(/no consumer/);
    idle.setConsumer(async (b) => b.map(() => ok));
    await idle.drain();
  });
});

async function migrated(sql: Sql): Promise<Sql> {
  const name = '0003_dead_letters.sql';
  await migrateFrom(sql, [{ name, sql: await readFile(new URL(`../../migrations/${name}`, import.meta.url), 'utf8') }]);
  return sql;
}

function deadLetterSuite(name: string, open: () => Promise<{ sql: Sql; close(): Promise<void> }>) {
  describe(`MemoryQueue dead letters on ${name}`, () => {
    let sql: Sql;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ sql, close } = await open());
      await migrated(sql);
    });
    afterAll(async () => close?.());

    const queueInto = (sched: ReturnType<typeof virtualScheduler>, consumer: Consumer, maxAttempts = 3) =>
      createMemoryQueue({
        schedule: sched.schedule,
        backoff,
        maxAttempts,
        consumer,
        deadLetter: (d, error) => recordDeadLetter(sql, { id: d.id, job: d.job, attempts: d.attempt, error }),
      });

    it('one poison message is dead-lettered after maxAttempts without blocking its batch', async () => {
      const sched = virtualScheduler();
      const delivered: Array<[number, number]> = [];
      const q = queueInto(sched, async (b) =>
        b.map((d) => {
          const n = (d.job.payload as { n: number }).n;
          delivered.push([n, d.attempt]);
          return n === 2 ? { ok: false, error: `poison ${n} at attempt ${d.attempt}` } : ok;
        }),
      );
      await q.send([job(1), job(2, 'cache.invalidate'), job(3)]);
      await sched.runAll();
      await q.drain();
      expect(delivered).toEqual([[1, 1], [2, 1], [3, 1], [2, 2], [2, 3]]);
      const rows = await listDeadLetters({ deps: { sql }, ctx: testCtx(), input: { pending: true } });
      const poison = rows.find((r) => (r.job.payload as { n: number }).n === 2);
      expect(poison).toMatchObject({ job: { type: 'cache.invalidate', payload: { n: 2 } }, attempts: 3, lastError: 'poison 2 at attempt 3', replayedAt: null });
      expect(poison!.firstFailedAt).toBeInstanceOf(Date);
      expect(rows.filter((r) => [1, 3].includes((r.job.payload as { n: number }).n))).toEqual([]);
    });

    it('a non-retryable outcome is dead-lettered at once', async () => {
      const sched = virtualScheduler();
      let calls = 0;
      const q = queueInto(sched, async (b) => b.map(() => (calls++, { ok: false, error: 'no handler', retryable: false })));
      await q.send([job(7, 'upload.verify')]);
      await sched.runAll();
      expect(calls).toBe(1);
      const rows = await listDeadLetters({ deps: { sql }, ctx: testCtx(), input: { pending: true, limit: 500 } });
      expect(rows.find((r) => r.job.type === 'upload.verify')).toMatchObject({ attempts: 1, lastError: 'no handler' });
    });

    it('recordDeadLetter is idempotent on id', async () => {
      const input = { id: 'dup-1', job: job(9, 'outbox.sweep'), attempts: 2, error: 'first' };
      await recordDeadLetter(sql, input);
      await recordDeadLetter(sql, { ...input, attempts: 3, error: 'second' });
      const rows = await sql.query<{ n: number; attempts: number; last_error: string }>(
        "SELECT count(*)::int AS n, max(attempts) AS attempts, max(last_error) AS last_error FROM dead_letters WHERE id = 'dup-1'",
      );
      expect(rows[0]).toEqual({ n: 1, attempts: 3, last_error: 'second' });
      await expect(recordDeadLetter(sql, { ...input, job: { type: 'bogus' as Job['type'], payload: 1 } })).rejects.toThrow();
    });

    it('a dead-letter sink that fails is retried, not lost', async () => {
      const sched = virtualScheduler();
      let sinkCalls = 0;
      const q = createMemoryQueue({
        schedule: sched.schedule,
        maxAttempts: 1,
        consumer: async (b) => b.map(() => ({ ok: false, error: 'boom' })),
        deadLetter: async (d, error) => {
          if (sinkCalls++ === 0) throw new Error('postgres unavailable');
          await recordDeadLetter(sql, { id: d.id, job: d.job, attempts: d.attempt, error });
        },
      });
      await q.send([job(11, 'outbox.sweep')]);
      await sched.runAll();
      await q.drain();
      expect(sinkCalls).toBe(2);
      const rows = await listDeadLetters({ deps: { sql }, ctx: testCtx(), input: { limit: 500 } });
      expect(rows.filter((r) => (r.job.payload as { n: number }).n === 11)).toHaveLength(1);
    });

    it('takeForReplay re-enqueues pending letters once and leaves them pending if enqueue fails', async () => {
      const before = await countPendingDeadLetters({ deps: { sql }, ctx: testCtx(), input: {} });
      expect(before).toBeGreaterThan(0);
      await expect(takeForReplay({ deps: { sql, queue: { send: async () => Promise.reject(new Error('queue down')) } }, ctx: testCtx(), input: { limit: 500 } })).rejects.toThrow('queue down');
      expect(await countPendingDeadLetters({ deps: { sql }, ctx: testCtx(), input: {} })).toBe(before);

      const sched = virtualScheduler();
      const redelivered: Job[] = [];
      const q = queueInto(sched, async (b) => (redelivered.push(...b.map((d) => d.job)), b.map(() => ok)));
      const taken = await takeForReplay({ deps: { sql, queue: q }, ctx: testCtx(), input: { limit: 500 } });
      await sched.runAll();
      expect(taken).toHaveLength(before);
      expect(taken.every((d) => d.replayedAt instanceof Date)).toBe(true);
      expect(redelivered.map((j) => j.type).sort()).toEqual(taken.map((d) => d.job.type).sort());
      expect(await countPendingDeadLetters({ deps: { sql }, ctx: testCtx(), input: {} })).toBe(0);
      expect(await takeForReplay({ deps: { sql, queue: { send: async () => {} } }, ctx: testCtx(), input: { limit: 500 } })).toEqual([]);
      expect((await listDeadLetters({ deps: { sql }, ctx: testCtx(), input: { pending: false, limit: 500 } })).length).toBe(before);
    });
  });
}

deadLetterSuite('PGlite', async () => {
  const sql = await createPgliteSql();
  return { sql, close: () => sql.close() };
});

await describeWith(['postgres'], 'local PostgreSQL', () => {
  let db: TestDatabase | undefined;
  deadLetterSuite('local PostgreSQL', async () => {
    db = await createTestDatabase('strata_queue');
    const sql = createPgSql({ url: db.url });
    return {
      sql,
      async close() {
        await sql.close();
        await db?.drop();
      },
    };
  });
});
