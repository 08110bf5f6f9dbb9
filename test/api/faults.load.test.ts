/**
 * Faults under load on the real tiers: PostgreSQL (a throwaway database) and a private
 * redis-server on a free port. During a mixed stream of reads and writes (two writers
 * publishing, readers on two isolates), Redis is killed, paused (SIGSTOP) and made to refuse
 * authentication; PostgreSQL refuses connections; and a writer process is killed between commit
 * and invalidation. After each: zero acknowledged writes lost, zero partial writes, zero stale
 * reads once the outbox sweep has run (polled with a bound), the process alive (an uncaught
 * exception fails the file; a pg client terminated mid-transaction used to raise one) and
 * `/health` naming the failing tier while it failed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyInvalidation, cacheKeys } from '@strata/core/cache/index';
import { parseConfig } from '@strata/core/config/index';
import { createDeps } from '@strata/core/create-deps';
import { migrate } from '@strata/core/migrate/files';
import { sweepOutbox } from '@strata/core/outbox/outbox';
import { systemClock } from '@strata/core/ports/clock';
import { createApp } from '@strata/functions/app';
import { nodePlatform } from '@strata/functions/platform/node';
import { TEST_ADMIN_TOKEN, TEST_INGEST_TOKEN } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { call, submit } from '../support/catalog-http';
import { blockDatabase, unblockDatabase } from '../support/catalog-isolate';

interface Node {
  deps: Awaited<ReturnType<typeof createDeps>>;
  app: ReturnType<typeof createApp>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await describeWith(['postgres'], 'faults under load (PostgreSQL + a private redis-server)', () => {
  let db: TestDatabase;
  let redis: OwnRedis;
  let dir: string;
  let writer: Node;
  let reader: Node;

  async function node(): Promise<Node> {
    const config = parseConfig({
      DATABASE_URL: db.url,
      SQL_DRIVER: 'pg',
      SQL_POOL_MAX: '4',
      REDIS_URL: redis.url,
      KV_TIMEOUT_MS: '300',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      INGEST_TOKEN: TEST_INGEST_TOKEN,
      LOG_LEVEL: 'silent',
      BLOB_DIR: join(dir, 'blobs'),
      RATE_LIMIT_PER_MIN: '0',
      RATE_LIMIT_SUBMIT_PER_MIN: '0',
      FEATURE_FLAGS_JSON: '{"lineageHooks":false}',
    });
    const deps = await createDeps(config, nodePlatform());
    return { deps, app: createApp(deps) };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-faults-'));
    db = await createTestDatabase();
    redis = await startOwnRedis();
    writer = await node();
    await migrate(writer.deps.sql);
    reader = await node();
  });
  afterAll(async () => {
    redis?.resume();
    if (db) await unblockDatabase(db.name).catch(() => undefined);
    for (const n of [writer, reader]) {
      if (!n) continue;
      await n.deps.background.drain().catch(() => undefined);
      await n.deps.close().catch(() => undefined);
    }
    await redis?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The mixed stream: two writers publishing into `ds`, readers on both isolates, until stopped. */
  function load(ds: string) {
    let running = true;
    const acked = new Set<string>();
    const refused = new Set<string>();
    const unexpected: string[] = [];
    let reads = 0;
    const writerLoop = async () => {
      while (running) {
        const p = makePublication({ datasetId: ds });
        const r = await submit(writer, p);
        if (r.status === 201) acked.add(p.versionId);
        else if (r.status === 503) refused.add(p.versionId);
        else unexpected.push(`write ${r.status} ${JSON.stringify(r.body)}`);
      }
    };
    const readerLoop = async (n: Node) => {
      while (running) {
        const known = [...acked];
        const paths = [`/listings?datasetId=${ds}&limit=200`, ...(known.length ? [`/listings/${known[reads % known.length]}`] : [])];
        for (const path of paths) {
          const r = await call(n, 'GET', path);
          reads++;
          // 503 only while a tier is down; never another 5xx
          if (r.status !== 200 && r.status !== 503) unexpected.push(`read ${path} ${r.status} ${JSON.stringify(r.body)}`);
        }
        await sleep(5);
      }
    };
    const loops = [writerLoop(), writerLoop(), readerLoop(writer), readerLoop(reader)];
    return {
      acked,
      refused,
      unexpected,
      get reads() {
        return reads;
      },
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  /** /health while the tier fails: 503 naming it (polled: the client notices within its timeout). */
  async function expectFailing(tier: 'cache' | 'database'): Promise<void> {
    let last: unknown;
    for (let i = 0; i < 40; i++) {
      const h = await call(writer, 'GET', '/health');
      last = h.body;
      if (h.status === 503 && h.body.failing.includes(tier)) return;
      await sleep(100);
    }
    expect.fail(`/health never named ${tier}: ${JSON.stringify(last)}`);
  }

  /** After the fault: nothing lost, nothing partial, everyone sees every acknowledged write after the sweep. */
  async function expectConsistent(ds: string, l: ReturnType<typeof load>, extra: string[] = []): Promise<void> {
    expect(l.unexpected).toEqual([]);
    const rows = await writer.deps.sql.query<{ m: string | null; a: string | null; d: string | null; au: string | null }>(
      `SELECT m.version_id AS m, a.version_id AS a, d.version_id AS d, au.resource AS au
         FROM assets a
         FULL JOIN manifests m ON m.version_id = a.version_id
         FULL JOIN declarations d ON d.version_id = coalesce(a.version_id, m.version_id)
         LEFT JOIN LATERAL (SELECT resource FROM audit_log WHERE resource = 'version:' || coalesce(a.version_id, m.version_id, d.version_id) LIMIT 1) au ON true
        WHERE a.dataset_id = $1 OR a.version_id IS NULL`,
      [ds],
    );
    // zero partial writes: every version is in all of manifests, assets, declarations and the audit log
    const partial = rows.filter((r) => !r.m || !r.a || !r.d || !r.au);
    expect(partial).toEqual([]);
    const stored = new Set(rows.map((r) => r.a!));
    // zero acknowledged writes lost (and a refused write is absent or whole — checked above)
    for (const v of [...l.acked, ...extra]) expect(stored.has(v), `acknowledged ${v} lost`).toBe(true);

    // the cron's sweep, then every isolate converges on every write within the L1 window (5 s)
    await waitHealthy();
    const swept = await sweepOutbox({ sql: writer.deps.sql, cache: { invalidate: (inv) => applyInvalidation(writer.deps.kv, inv, { clock: systemClock }) } });
    expect(swept.pending).toBe(0);
    const want = [...l.acked, ...extra];
    for (const n of [writer, reader]) {
      let seen: string[] = [];
      // every page of the dataset's listings (a fast machine writes more than one page in the stream)
      const listAll = async (): Promise<string[]> => {
        const ids: string[] = [];
        for (let offset = 0; ; offset += 200) {
          const r = await call(n, 'GET', `/listings?datasetId=${ds}&limit=200&offset=${offset}`);
          if (r.status !== 200) return [];
          ids.push(...r.body.items.map((x: { versionId: string }) => x.versionId));
          if (r.body.items.length < 200) return ids;
        }
      };
      for (let i = 0; i < 80; i++) {
        seen = await listAll();
        if (want.every((v) => seen.includes(v))) break;
        await sleep(100);
      }
      expect(want.filter((v) => !seen.includes(v)), 'stale after the sweep bound').toEqual([]);
      // and it stays fresh
      for (let i = 0; i < 3; i++) {
        const all = await listAll();
        expect(want.filter((v) => !all.includes(v))).toEqual([]);
      }
    }
  }

  async function waitHealthy(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const h = await call(writer, 'GET', '/health');
      if (h.status === 200) return;
      await sleep(100);
    }
    expect.fail('/health did not recover');
  }

  /** Runs `fault` during load: ~0.4 s of load before it, ~0.6 s after healing. */
  async function scenario(ds: string, fault: () => Promise<void>): Promise<ReturnType<typeof load>> {
    const l = load(ds);
    await sleep(400);
    try {
      await fault();
    } finally {
      await sleep(600);
      await l.stop();
    }
    expect(l.acked.size).toBeGreaterThan(0);
    expect(l.reads).toBeGreaterThan(0);
    console.log(`${ds}: ${l.acked.size} writes acknowledged, ${l.refused.size} refused (503), ${l.reads} reads`);
    return l;
  }

  it('Redis killed mid-stream, then back (empty): writes go on, nothing lost or stale', async () => {
    const ds = 'ds-fault-kill';
    const l = await scenario(ds, async () => {
      await redis.kill();
      await expectFailing('cache');
      await sleep(500);
      await redis.start();
    });
    await expectConsistent(ds, l);
  }, 60_000);

  it('Redis paused (SIGSTOP) mid-stream, then resumed', async () => {
    const ds = 'ds-fault-pause';
    const l = await scenario(ds, async () => {
      redis.pause();
      try {
        await expectFailing('cache');
        await sleep(500);
      } finally {
        redis.resume();
      }
    });
    await expectConsistent(ds, l);
  }, 60_000);

  it('Redis refusing authentication mid-stream, then accepting again', async () => {
    const ds = 'ds-fault-auth';
    const l = await scenario(ds, async () => {
      await redis.refuseAuth();
      try {
        await expectFailing('cache');
        await sleep(500);
      } finally {
        await redis.allowAuth();
      }
    });
    await expectConsistent(ds, l);
  }, 60_000);

  it('PostgreSQL refusing connections mid-stream: writes 503 and store nothing, then go through', async () => {
    const ds = 'ds-fault-pg';
    const l = await scenario(ds, async () => {
      await blockDatabase(db.name);
      try {
        await expectFailing('database');
        await sleep(500);
      } finally {
        await unblockDatabase(db.name);
      }
    });
    expect(l.refused.size).toBeGreaterThan(0);
    await expectConsistent(ds, l);
  }, 60_000);

  it('a writer process killed between commit and invalidation, mid-stream: the write is whole and the sweep makes it visible', async () => {
    const ds = 'ds-fault-writer';
    let inflight = '';
    const l = await scenario(ds, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'support', 'fault-writer.ts')], {
        env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: redis.url, DATASET_ID: ds, BLOB_DIR: join(dir, 'child-blobs') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += String(d)));
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
      expect(signal).toBe('SIGKILL');
      expect(code).toBeNull();
      inflight = out.trim();
      expect(inflight).toMatch(/^[0-9a-f]{64}$/);
      // committed, never invalidated: its outbox row is still pending
      const pending = await writer.deps.sql.query('SELECT applied_at FROM cache_outbox WHERE $1 = ANY(keys)', [cacheKeys.asset(inflight)]);
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.every((r) => (r as { applied_at: unknown }).applied_at === null)).toBe(true);
    });
    await expectConsistent(ds, l, [inflight]);
  }, 90_000);
});
