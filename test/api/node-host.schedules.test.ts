/**
 * Schedules on the Node host (ADR 0031): single flight per job and a bounded stop; and the Redis
 * outage seen on a Node server — Redis over TCP through a proxy taken down while a version is
 * published (the commit succeeds, the invalidation cannot be applied), then brought back: the
 * server's own outbox sweep applies the rows, so neither the cached 404 of the version's
 * detail nor the listings page cached before survives the sweep interval plus a margin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys } from '@strata/core/cache/index';
import type { Deps } from '@strata/core/deps';
import { startSchedules } from '@strata/core/jobs/timers';
import { createLogger } from '@strata/core/observability/log';
import { startNodeServer, type NodeServer } from '@strata/functions/platform/node-server';
import { makePublication } from '../support/dlm1';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith, REDIS_URL } from '../support/reachable';
import { acquireRedisDb } from '../support/redis-db';
import { eventually, freePort, listening } from '../support/strata-process';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const quietDeps = { log: createLogger('silent') } as unknown as Deps;

describe('in-process schedules', () => {
  it('run a job again only once its previous run ended (ticks meanwhile are skipped), and stop within the bound', async () => {
    let calls = 0;
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const s = startSchedules(quietDeps, {
      intervalsMs: { 'outbox-sweep': 20 },
      firstRunMs: 0,
      jobs: {
        'outbox-sweep': async () => {
          calls++;
          await blocked;
          return {};
        },
      },
    });
    expect(await eventually(async () => s.stats()['outbox-sweep']!.skipped >= 3, 10_000, 10)).toBe(true);
    expect(calls).toBe(1);
    expect(s.stats()['outbox-sweep']!.running).toBe(true);
    // the stop bound passes while the run is still going: it is named
    expect(await s.stop(50)).toEqual({ unfinished: ['outbox-sweep'] });
    release();
    await blocked;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1); // stopped: no tick after stop()
  });

  it('stop waits for a run in progress, and jobs set to 0 never run', async () => {
    const finished: string[] = [];
    const s = startSchedules(quietDeps, {
      intervalsMs: { 'outbox-sweep': 10, 'dead-letter-replay': 0 },
      firstRunMs: 0,
      jobs: {
        'outbox-sweep': async () => {
          await new Promise((r) => setTimeout(r, 150));
          finished.push('outbox-sweep');
          return {};
        },
        'dead-letter-replay': async () => {
          finished.push('dead-letter-replay');
          return {};
        },
      },
    });
    expect(await eventually(async () => s.stats()['outbox-sweep']!.running, 10_000, 5)).toBe(true);
    expect(await s.stop(10_000)).toEqual({ unfinished: [] });
    expect(finished).toEqual(['outbox-sweep']);
    expect(Object.keys(s.stats())).toEqual(['outbox-sweep']);
  });
});

await describeWith(['postgres', 'redis'], 'Redis outage on a Node host (PostgreSQL + Redis over TCP through a proxy)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let lease: { db: number; release(): Promise<void> };
  let dir: string;
  let server: NodeServer;
  const SWEEP_SEC = 1;

  beforeAll(async () => {
    [db, lease, dir] = await Promise.all([createTestDatabase('strata_sched'), acquireRedisDb(), mkdtemp(join(tmpdir(), 'strata-sched-'))]);
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    server = await startNodeServer({
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
      REDIS_URL: `redis://${proxy.host}:${proxy.port}/${lease.db}`,
      PORT: String(await freePort()),
      BLOB_DIR: join(dir, 'blobs'),
      ADMIN_TOKEN: 'sched-admin-token-0123456789',
      INGEST_TOKEN: 'sched-ingest-token-0123456789',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MIN: '0',
      RATE_LIMIT_SUBMIT_PER_MIN: '0',
      FEATURE_FLAGS_JSON: '{"lineageHooks":false}',
      // no process-local copy: every read goes to Redis, where stale entries would live
      L1_MAX_ENTRIES: '0',
      OUTBOX_SWEEP_AFTER_SEC: '1',
      SCHEDULE_INTERVALS_JSON: JSON.stringify({ 'outbox-sweep': SWEEP_SEC, 'dead-letter-replay': 0, 'headers-refresh': 0, 'audit-archive': 0, 'lineage-partitions': 0 }),
    });
  });
  afterAll(async () => {
    await proxy?.setDown(false);
    await server?.stop('test end');
    await proxy?.close();
    await Promise.all([db?.drop(), lease?.release(), dir && rm(dir, { recursive: true, force: true })]);
  });

  it('after the outage the server applies the outbox itself: no stale detail 404 or listings page survives the sweep interval plus a margin', async () => {
    const base = server.url;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as { items?: { versionId: string }[] } };
    };
    const post = (p: { rawTx: string; manifest: unknown }) =>
      fetch(`${base}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rawTx: p.rawTx, manifest: p.manifest }) });
    const page = '/listings?datasetId=ds-outage';

    const a = makePublication({ datasetId: 'ds-outage' });
    const b = makePublication({ datasetId: 'ds-outage' });
    expect((await post(a)).status).toBe(201);
    // cached in Redis before the outage: b's detail as a 404, the page without b
    expect((await get(`/listings/${b.versionId}`)).status).toBe(404);
    expect((await get(page)).body.items!.map((i) => i.versionId)).toEqual([a.versionId]);
    await server.deps.background.drain();
    expect((await get(`/listings/${b.versionId}`)).cache).toBe('hit');
    expect((await get(page)).cache).toBe('hit');

    await proxy.setDown(true);
    const published = await post(b);
    expect(published.status).toBe(201); // PostgreSQL took it; Redis could not be told
    const rows = await server.deps.sql.query<{ applied_at: string | null }>('SELECT applied_at FROM cache_outbox WHERE $1 = ANY(keys)', [cacheKeys.asset(b.versionId)]);
    expect(rows).toHaveLength(1);
    await proxy.setDown(false);

    // The bound: the sweep interval, OUTBOX_SWEEP_AFTER_SEC, Redis's reconnect backoff (≤ 2 s)
    // and the Kv breaker's half-open probe, plus a margin. Without the in-process sweep the 404
    // would stay until its negative lifetime ends and the page until its stale window does.
    const bound = (SWEEP_SEC + 1 + 2 + 5) * 1000;

    const unappliedNow = async () => (await server.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_outbox WHERE applied_at IS NULL'))[0]!.n;
    const isFresh = async () => {
      const [detail, list] = await Promise.all([get(`/listings/${b.versionId}`), get(page)]);
      return detail.status === 200 && (list.body.items ?? []).map((i) => i.versionId).sort().join() === [a.versionId, b.versionId].sort().join();
    };
    // Right after the outage the Kv breaker may still send reads to PostgreSQL (fresh by luck);
    // what must happen within the bound is that the server applies the outbox by itself.
    expect(await eventually(async () => (await unappliedNow()) === 0, bound, 100), 'the outbox was not applied within the sweep bound').toBe(true);
    expect(rows[0]!.applied_at).toBeNull(); // it was pending when Redis came back
    expect(server.schedules.stats()['outbox-sweep']!.runs).toBeGreaterThanOrEqual(1);
    // and reads served from Redis again are fresh: nothing stale survived there
    expect(await eventually(isFresh, 5_000, 100)).toBe(true);
    await server.deps.background.drain();
    const [detail, list] = await Promise.all([get(`/listings/${b.versionId}`), get(page)]);
    expect([detail.status, detail.cache]).toEqual([200, 'hit']);
    expect(list.cache).toBe('hit');
    expect(list.body.items!.map((i) => i.versionId).sort()).toEqual([a.versionId, b.versionId].sort());
  });

  it('stop(): the request in flight finishes, no new connection is taken, the schedules stop and the tiers close', async () => {
    const pub = makePublication({ datasetId: 'ds-inflight' });
    const body = JSON.stringify({ rawTx: pub.rawTx, manifest: pub.manifest });
    const arrived = new Promise<void>((r) => server.http.once('request', () => r()));
    const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/submit', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    const answered = new Promise<number>((resolve, reject) => {
      req.once('response', (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
    });
    req.write(body.slice(0, 64)); // headers and the start of the body: the request is in flight
    await arrived;

    const stopped = server.stop('test');
    expect(await listening(server.port)).toBe(false);
    req.end(body.slice(64));
    expect(await answered).toBe(201);
    await stopped;
    expect(server.schedules.stats()['outbox-sweep']!.running).toBe(false);
    await expect(server.deps.sql.query('SELECT 1')).rejects.toThrow();
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const rows = await check.query('SELECT 1 FROM assets WHERE version_id = $1', [pub.versionId]);
      expect(rows.rowCount).toBe(1);
    } finally {
      await check.end();
    }
  });
});
