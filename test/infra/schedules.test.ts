/**
 * The parts of `infra/` that are plain data or plain functions, checked against the code
 * they must agree with: the job names the schedules fire, the Worker's cron table, and the
 * migrations hash that decides when a deploy runs the Migrator.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEDULE_NAMES } from '@strata/core/jobs/schedule';
import { migrationFiles, migrationsHash } from '../../infra/migrations-hash';
import { cloudflareCronJobs, jobSchedules } from '../../infra/schedules';

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
