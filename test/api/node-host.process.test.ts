/**
 * The Node host as an operator meets it, in real child processes: `npm run migrate` on an empty
 * PostgreSQL database and then `npm start` serving it; a database behind the code answering 503
 * naming the missing migrations (until it is migrated); SIGTERM to the npm process and to its
 * process group each leaving no listener and no process; bad settings, a busy port and an
 * unreachable database each a one-line message without a stack.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readMigrations } from '@strata/core/migrate/files';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';
import { eventually, freePort, killGroup, listening, processExists, runStrata, type StrataProcess } from '../support/strata-process';

const TOKENS = { ADMIN_TOKEN: 'process-admin-token-0123456789', INGEST_TOKEN: 'process-ingest-token-0123456789' };
const STACK_FRAME = /^\s{4}at /m;
// each test starts node processes: seconds on a quiet machine, much longer on a loaded one
vi.setConfig({ testTimeout: 180_000 });

/** Exactly one stderr line per expected problem, and no stack frame anywhere. */
function expectCleanFailure(stderr: string, expected: RegExp[]): void {
  expect(stderr).not.toMatch(STACK_FRAME);
  const lines = stderr.trim().split('\n');
  for (const re of expected) expect(lines.filter((l) => re.test(l)), `${re} in:\n${stderr}`).toHaveLength(1);
  for (const l of lines) expect(l).toMatch(/^strata( migrate)?: /);
}

describe('start-up problems (no services)', () => {
  it('bad settings: one line per bad variable, exit 1, no stack', async () => {
    const p = runStrata('node-start', { PORT: 'eighty', LOG_LEVEL: 'loud', KV_TIMEOUT_MS: '5' });
    expect(await p.exited()).toBe(1);
    expectCleanFailure(p.stderr(), [/^strata: PORT: /, /^strata: LOG_LEVEL: /, /^strata: KV_TIMEOUT_MS: /]);
    expect(p.stderr().trim().split('\n')).toHaveLength(3);
  });
});

await describeWith(['postgres'], 'Node host on PostgreSQL, as child processes', () => {
  let db: TestDatabase;
  let empty: TestDatabase;
  const procs: StrataProcess[] = [];
  const track = (p: StrataProcess) => (procs.push(p), p);
  let files: string[];

  beforeAll(async () => {
    [db, empty] = await Promise.all([createTestDatabase('strata_cli'), createTestDatabase('strata_behind')]);
    files = (await readMigrations()).map((f) => f.name);
  });
  afterAll(async () => {
    for (const p of procs) killGroup(p);
    await Promise.all([db?.drop(), empty?.drop()]);
  });

  it('npm run migrate applies every migration to an empty database, then says it is up to date', async () => {
    const first = track(runStrata('npm-migrate', { DATABASE_URL: db.url }));
    expect(await first.exited(), first.stderr()).toBe(0);
    const lines = first.stdout().trim().split('\n');
    expect(lines.slice(0, -1)).toEqual(files.map((f) => `applied ${f}`));
    expect(lines.at(-1)).toMatch(new RegExp(`^migrated PostgreSQL at 127\\.0\\.0\\.1:5432/${db.name}: ${files.length} applied in \\d+ ms, now at ${files.at(-1)}$`));

    const again = track(runStrata('npm-migrate', { DATABASE_URL: db.url }));
    expect(await again.exited()).toBe(0);
    expect(again.stdout().trim()).toBe(`PostgreSQL at 127.0.0.1:5432/${db.name} is up to date (${files.length} migrations, latest ${files.at(-1)})`);
  });

  it('npm run migrate: an unreachable database and a bad argument are one line each, no stack', async () => {
    const port = await freePort();
    const down = track(runStrata('npm-migrate', { DATABASE_URL: `postgres://strata:secret-pw@127.0.0.1:${port}/nowhere` }));
    const bad = track(runStrata('npm-migrate', { DATABASE_URL: db.url }, ['--frobnicate']));
    expect(await down.exited()).toBe(1);
    expectCleanFailure(down.stderr(), [/^strata migrate: cannot migrate PostgreSQL at 127\.0\.0\.1:\d+\/nowhere: .*ECONNREFUSED/]);
    expect(down.stderr()).not.toContain('secret-pw');
    expect(await bad.exited()).toBe(2);
    expect(bad.stderr()).toMatch(/^strata migrate: unknown argument --frobnicate/);
  });

  it('a database behind the code answers 503 naming the missing migrations, and opens once migrated', async () => {
    const check = track(runStrata('npm-migrate', { DATABASE_URL: empty.url }, ['--check']));
    expect(await check.exited()).toBe(3);
    expect(check.stdout()).toContain(`pending ${files[0]}`);

    const port = await freePort();
    const server = track(runStrata('node-start', { DATABASE_URL: empty.url, PORT: String(port), ...TOKENS }));
    const started = await server.waitForLog('strata listening');
    expect(started.missingMigrations).toEqual(files);
    for (const path of ['/health', '/listings', '/listings/abc', '/openlineage/search?q=x']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { error: string; missingMigrations: string[]; detail: string };
      expect(body.error).toBe('unavailable');
      expect(body.missingMigrations).toEqual(files);
      expect(body.detail).toContain(files.at(-1));
    }

    const migrate = track(runStrata('npm-migrate', { DATABASE_URL: empty.url }));
    expect(await migrate.exited()).toBe(0);
    // the server looks again at most every 2 s
    expect(await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, 10_000)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/listings`)).status).toBe(200);

    process.kill(server.pid, 'SIGTERM');
    expect(await server.exited()).toBe(0);
  });

  // serves the database the migrate test above migrated with the CLI
  it('npm start serves the migrated database; SIGTERM to the npm process or to its process group, or SIGINT to node, leaves no listener and no process', async () => {
    // three servers at once (PostgreSQL has no single-writer rule): stopped through npm's pid, its group, and node's own pid
    const run = async (target: 'npm process' | 'process group' | 'node process', signal: NodeJS.Signals = 'SIGTERM') => {
      const port = await freePort();
      const npm = track(runStrata('npm-start', { DATABASE_URL: db.url, PORT: String(port), ...TOKENS }));
      const started = await npm.waitForLog('strata listening');
      expect(started).toMatchObject({ url: `http://127.0.0.1:${port}`, docs: `http://127.0.0.1:${port}/docs`, tokens: 'ADMIN_TOKEN and INGEST_TOKEN (environment)' });
      expect(started.missingMigrations).toBeUndefined();
      const nodePid = Number(started.pid);
      expect(nodePid).toBeGreaterThan(0);
      expect(nodePid).not.toBe(npm.pid); // npm is still there: the signal must travel through it
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/listings`)).status).toBe(200);

      process.kill(target === 'npm process' ? npm.pid : target === 'process group' ? -npm.pid : nodePid, signal);
      await npm.exited();
      expect(await eventually(async () => !processExists(nodePid), 10_000), `${target}: node still running`).toBe(true);
      expect(await listening(port), `${target}: port still open`).toBe(false);
      expect(npm.stdout()).toContain('"msg":"strata stopped"');
    };
    await Promise.all([run('npm process'), run('process group'), run('node process', 'SIGINT')]);
  });

  it('a busy port, an unreachable database and an unreachable Redis: one line each, exit 1, no stack', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as net.AddressInfo).port)));
    const nowhere = await freePort();
    try {
      const busy = track(runStrata('node-start', { DATABASE_URL: db.url, PORT: String(port), ...TOKENS }));
      const down = track(runStrata('node-start', { DATABASE_URL: `postgres://strata:secret-pw@127.0.0.1:${nowhere}/x`, PORT: String(await freePort()), ...TOKENS }));
      const noRedis = track(runStrata('node-start', { DATABASE_URL: db.url, REDIS_URL: `redis://:secret-pw@127.0.0.1:${nowhere}/0`, PORT: String(await freePort()), ...TOKENS }));
      expect(await busy.exited()).toBe(1);
      expectCleanFailure(busy.stderr(), [new RegExp(`^strata: PORT: 127\\.0\\.0\\.1:${port} is already in use`)]);
      expect(await down.exited()).toBe(1);
      expectCleanFailure(down.stderr(), [/^strata: database: unreachable \(.*ECONNREFUSED.*\); check DATABASE_URL/]);
      expect(down.stderr()).not.toContain('secret-pw');
      expect(await noRedis.exited()).toBe(1);
      expectCleanFailure(noRedis.stderr(), [/^strata: cache \(redis\): unreachable \(.+\); check REDIS_URL$/]);
      expect(noRedis.stderr()).not.toContain('secret-pw');
    } finally {
      blocker.close();
    }
  });
});
