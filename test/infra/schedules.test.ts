/**
 * The parts of `infra/` that are plain data or plain functions, checked against the code
 * they must agree with: the job names the schedules fire, the Worker's cron table, and the
 * migrations hash that decides when a deploy runs the Migrator.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScheduleIntervals } from '@strata/core/config/schema';
import { SCHEDULE_NAMES, scheduleJobs } from '@strata/core/jobs/schedule';
import { DEFAULT_INTERVALS_SEC } from '@strata/core/jobs/timers';
import { migrationFiles, migrationsHash } from '../../infra/migrations-hash';
import { cloudflareCronJobs, jobSchedules } from '../../infra/schedules';

/** Seconds between runs of an EventBridge expression: `rate(N unit)`, or a daily `cron(m h * * ? *)`. */
function everySec(aws: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(aws);
  if (rate) return Number(rate[1]) * { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 }[rate[2] as 'minute'];
  if (/^cron\(\d+ \d+ \* \* \? \*\)$/.test(aws)) return 86_400;
  throw new Error(`unparsed schedule ${aws}`);
}

describe('Node host schedules', () => {
  it('run every implemented job at the cloud\'s interval by default, and SCHEDULE_INTERVALS_JSON names exactly those jobs', () => {
    const implemented = Object.keys(scheduleJobs).sort();
    expect(Object.keys(DEFAULT_INTERVALS_SEC).sort()).toEqual(implemented);
    expect(Object.keys(ScheduleIntervals.shape).sort()).toEqual(implemented);
    for (const { job, aws } of jobSchedules) {
      if (job in DEFAULT_INTERVALS_SEC) expect(DEFAULT_INTERVALS_SEC[job as keyof typeof DEFAULT_INTERVALS_SEC], job).toBe(everySec(aws));
    }
  });
});

describe('infra schedules', () => {
  it('fire exactly the jobs the cron entry knows', () => {
    const scheduled = jobSchedules.map((s) => s.job);
    expect(new Set(scheduled).size).toBe(scheduled.length);
    expect([...scheduled].sort()).toEqual([...SCHEDULE_NAMES].sort());
  });

  it('map every Cloudflare cron expression back to its jobs, each job once', () => {
    const table = cloudflareCronJobs();
    const jobs = Object.values(table).flat();
    expect([...jobs].sort()).toEqual(jobSchedules.map((s) => s.job).sort());
    expect(table['* * * * *']).toEqual(['outbox-sweep']);
    // what the Worker entry receives is JSON; it must survive the round trip unchanged
    expect(JSON.parse(JSON.stringify(table))).toEqual(table);
  });

  it('use the expression forms each platform accepts', () => {
    for (const { aws, cloudflare } of jobSchedules) {
      expect(aws).toMatch(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\((\S+ ){5}\S+\))$/);
      expect(cloudflare.split(' ')).toHaveLength(5);
    }
  });
});

describe('migrations hash', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function migrationsDir(files: Record<string, string>): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'strata-migrations-'));
    for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
    return dir;
  }

  it('changes when a migration is added or edited, and only then', async () => {
    const d = await migrationsDir({ '0001_a.sql': 'create table a (id int);' });
    const first = migrationsHash(d);
    expect(first).toMatch(/^[0-9a-f]{64}$/);

    await writeFile(join(d, 'README.md'), 'not a migration');
    expect(migrationsHash(d)).toBe(first);

    await writeFile(join(d, '0002_b.sql'), 'create table b (id int);');
    const second = migrationsHash(d);
    expect(second).not.toBe(first);

    await writeFile(join(d, '0002_b.sql'), 'create table b (id bigint);');
    expect(migrationsHash(d)).not.toBe(second);
  });

  it('covers exactly the repository files the migration runner accepts', () => {
    const files = migrationFiles('migrations');
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !/^\d{4}_[a-z0-9_]+\.sql$/.test(f))).toEqual([]);
  });
});
