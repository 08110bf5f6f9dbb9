/**
 * The Worker as deployed: the esbuild bundle of functions/src/entry/worker.ts loaded into
 * workerd (Miniflare) with a real Queues producer/consumer pair and cron triggers, configured
 * with bindings pointing at local PostgreSQL (through the Neon bridge), Redis (through the
 * Upstash bridge) and s3rver. Every assertion reads the effect back from the real service.
 */
import { gunzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import { tagVersionKey } from '@strata/core/cache/keys';
import { buildWorker, bundledInputs, WORKER_OUT } from '../../functions/build';
import { swaggerUiFiles } from '../../functions/docs';
import { cloudflareCronJobs } from '../../infra/schedules';
import { fixture } from '../support/lineage-harness';
import { ingestAuth } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { describeWith } from '../support/reachable';
import { eventually, startEdgeServices, type EdgeServices } from './services';

const COMPAT = { compatibilityDate: '2025-09-01', compatibilityFlags: ['nodejs_compat'] };

function workerd(bindings: Record<string, string>): Miniflare {
  return new Miniflare({
    modules: true,
    scriptPath: WORKER_OUT,
    ...COMPAT,
    bindings,
    queueProducers: { JOBS_QUEUE: 'edge-jobs' },
    queueConsumers: { 'edge-jobs': { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 4 } },
  });
}

let meta: Awaited<ReturnType<typeof buildWorker>>;
beforeAll(async () => {
  meta = await buildWorker();
}, 60_000);

it('the Worker bundle holds no Node-only tier (PGlite, node-postgres, Redis over TCP, fs blobs, AWS SDK)', () => {
  const inputs = bundledInputs(meta, WORKER_OUT);
  expect(inputs.length).toBeGreaterThan(50);
  const forbidden = inputs.filter((p) => /@electric-sql\/pglite|node_modules\/pg\/|node_modules\/ws\/|node_modules\/ioredis\/|@aws-sdk\/|adapters\/blob\/fs|adapters\/sql\/(pglite|pg-pool)|adapters\/kv\/redis/.test(p));
  expect(forbidden).toEqual([]);
  const imports = Object.values(meta.outputs)[0]!.imports.map((i) => i.path);
  expect(imports.filter((p) => /^(node:)?(fs|fs\/promises|child_process|net|tls)$/.test(p))).toEqual([]);
});

await describeWith(['postgres', 'redis'], 'Worker in workerd against the local services', () => {
  let svc: EdgeServices;
  let mf: Miniflare;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await mf.dispatchFetch(`http://localhost${path}`, init as never);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
  };
  const kvGet = async (key: string) => {
    const r = await fetch(svc.upstash.url, { method: 'POST', headers: { authorization: `Bearer ${svc.upstash.token}`, 'content-type': 'application/json' }, body: JSON.stringify(['GET', key]) });
    const body = (await r.json()) as { result?: string | null; error?: string };
    if (!('result' in body)) throw new Error(`upstash bridge: ${r.status} ${JSON.stringify(body)}`);
    return body.result;
  };
  type Scheduler = { scheduled(o: { cron: string; scheduledTime: Date }): Promise<{ outcome: string; noRetry: boolean }> };
  const scheduled = async (cron: string) => ((await mf.getWorker()) as unknown as Scheduler).scheduled({ cron, scheduledTime: new Date() });

  beforeAll(async () => {
    svc = await startEdgeServices({ LINEAGE_INGEST_MODE: 'async' });
    // lineage reads skip L1 here, so the second read below is decoded from Redis inside workerd
    mf = workerd({ ...svc.env, CRON_JOBS_JSON: JSON.stringify(cloudflareCronJobs()), CACHE_TTLS_JSON: JSON.stringify({ lineage: { l1: 0 } }) });
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    await svc?.close();
  });

  it('health: every tier is the edge adapter and reachable from workerd', async () => {
    const r = await call('/health');
    expect(r.status).toBe(200);
    expect(r.body.failing).toEqual([]);
    expect(JSON.stringify(r.body)).toMatch(/neon-http/);
    expect(JSON.stringify(r.body)).toMatch(/upstash/);
    expect(JSON.stringify(r.body)).toMatch(/cloudflare/);
  });

  it('serves /docs with its swagger-ui script and stylesheet from the bundle itself (no CDN)', async () => {
    const page = await mf.dispatchFetch('http://localhost/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(3);
    const { js, css } = swaggerUiFiles();
    for (const path of assets) {
      const res = await mf.dispatchFetch(`http://localhost${path}`);
      expect(res.status, path).toBe(200);
      const text = await res.text();
      if (path.endsWith('swagger-ui-bundle.js')) expect(text).toBe(js);
      if (path.endsWith('swagger-ui.css')) expect(text).toBe(css);
    }
    const errors = await mf.dispatchFetch('http://localhost/docs/errors');
    expect(await errors.text()).toContain('<section id="not-found">');
  });

  it('publishes through POST /submit (Neon HTTP batch), then serves the listing miss → hit', async () => {
    const p = makePublication({ datasetId: 'ds-edge' });
    const sub = await call('/submit', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' },
      body: JSON.stringify({ rawTx: p.rawTx, manifest: p.manifest }),
    });
    expect([200, 201]).toContain(sub.status);
    const row = await svc.pg.query('SELECT count(*)::int AS n FROM manifests');
    expect(row.rows[0].n).toBeGreaterThanOrEqual(1);

    const first = await call(`/listings/${p.versionId}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toMatch(/miss/i);
    const second = await call(`/listings/${p.versionId}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toMatch(/hit/i);
    expect(second.body).toEqual(first.body);
  });

  it('/metrics in workerd: requests by route template and the backlog from PostgreSQL; no process series (no perf_hooks there)', async () => {
    await call('/listings/not-hex');
    const r = await mf.dispatchFetch('http://localhost/metrics');
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toMatch(/^strata_http_requests_total\{method="GET",route="\/listings\/:versionId",status="400"\} [1-9]/m);
    expect(text).toMatch(/^strata_outbox_pending \d+$/m);
    expect(text).toMatch(/^strata_dead_letters_pending \d+$/m);
    expect(text).toContain('strata_metrics_collector_up{collector="backlog"} 1');
    expect(text).not.toMatch(/nodejs_eventloop|process_resident/);
  });

  it('async OpenLineage ingest goes through the Cloudflare Queue and its consumer into PostgreSQL', async () => {
    const ev = (await fixture('marquez-repo/apples/1_pick_apples.json')) as Record<string, unknown>;
    const runId = (ev.run as { runId: string }).runId;
    const stored = async () => (await svc.pg.query('SELECT count(*)::int AS n FROM ol_events WHERE run_id = $1', [runId])).rows[0].n as number;
    expect(await stored()).toBe(0);
    const r = await call('/api/v1/lineage', { method: 'POST', headers: { 'content-type': 'application/json', ...ingestAuth }, body: JSON.stringify(ev) });
    expect(r.status).toBe(202);
    const n = await eventually(async () => ((await stored()) > 0 ? stored() : undefined), 20_000, 'the queued event to be stored');
    expect(n).toBe(1);
  });

  it('a large lineage graph is cached gzip-compressed in Redis by workerd and read back from there', async () => {
    // a hub with 80 parents, each with a facet: the cached graph is well over the 8 KB threshold
    await svc.pg.query(
      `INSERT INTO ol_datasets (namespace, name, facets, facets_time)
       SELECT 'edge', 'parent-' || i, jsonb_build_object('documentation', jsonb_build_object('description', repeat('x', 60) || i)), now()
         FROM generate_series(1, 80) i
       UNION ALL SELECT 'edge', 'hub', '{}', now()`,
    );
    await svc.pg.query(
      `INSERT INTO ol_edges (src_id, dst_id, first_seen, last_seen)
       SELECT p.id, h.id, now(), now() FROM ol_datasets p, ol_datasets h
        WHERE p.namespace = 'edge' AND p.name LIKE 'parent-%' AND h.namespace = 'edge' AND h.name = 'hub'`,
    );
    const path = `/openlineage/lineage?node=${encodeURIComponent('dataset:edge:hub')}&depth=1&direction=up`;
    const first = await call(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body.stats?.nodes ?? first.body.nodes?.length).toBe(81);
    const stored = await eventually(async () => (await kvGet('v1:ol:cache:lineage:dataset:edge:hub|1|up|simple')) ?? undefined, 10_000, 'the cache fill');
    expect(stored.startsWith('z1:')).toBe(true);
    expect(stored.length).toBeLessThan(JSON.stringify(first.body).length / 3);
    const second = await call(path);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
  });

  it('cron "* * * * *" sweeps the outbox: rows applied in PostgreSQL, tag markers bumped in Redis', async () => {
    const row = (await svc.pg.query('SELECT id, tags FROM cache_outbox ORDER BY id DESC LIMIT 1')).rows[0];
    expect(row).toBeDefined();
    // the writer "could not reach Kv": the row is pending again
    await svc.pg.query('UPDATE cache_outbox SET applied_at = NULL WHERE id = $1', [row.id]);
    const tag = (row.tags as string[])[0]!;
    const before = await kvGet(tagVersionKey(tag));

    const res = await scheduled('* * * * *');
    expect(res.outcome).toBe('ok');
    const after = await svc.pg.query('SELECT applied_at FROM cache_outbox WHERE id = $1', [row.id]);
    expect(after.rows[0].applied_at).not.toBeNull();
    expect(await kvGet(tagVersionKey(tag))).not.toBe(before);
  });

  it('cron "*/5 * * * *" replays dead letters through the queue; unimplemented jobs are skipped, not failed', async () => {
    const ev = (await fixture('marquez-repo/apples/2_apple_filling.json')) as Record<string, unknown>;
    const before = (await svc.pg.query('SELECT count(*)::int AS n FROM ol_events')).rows[0].n as number;
    await svc.pg.query(
      `INSERT INTO dead_letters (id, job_type, payload, attempts, last_error) VALUES ('dl-edge-1', 'lineage.ingest', $1::jsonb, 5, 'kv down')`,
      [JSON.stringify({ events: [ev] })],
    );
    const res = await scheduled('*/5 * * * *');
    expect(res.outcome).toBe('ok');
    const dl = await svc.pg.query(`SELECT replayed_at FROM dead_letters WHERE id = 'dl-edge-1'`);
    expect(dl.rows[0].replayed_at).not.toBeNull();
    await eventually(async () => {
      const q = await svc.pg.query('SELECT count(*)::int AS n FROM ol_events');
      return q.rows[0].n > before ? true : undefined;
      // 5 s: a pooled WebSocket reused across events (the replay's transaction, then the
      // consumer's) used to stall workerd for ~10 s; Workers close each one after use
    }, 5_000, 'the replayed job to be consumed');
  });

  it('cron "15 3 * * *" archives old audit partitions to S3 as gzipped JSON Lines and drops them', async () => {
    await svc.pg.query(`SELECT ensure_audit_partitions('2020-01-01T00:00:00Z', 1)`);
    await svc.pg.query(
      `INSERT INTO audit_log (at, actor, action, resource) VALUES ('2020-01-10T00:00:00Z', 'admin', 'test.old', 'r:1'), ('2020-01-20T00:00:00Z', 'admin', 'test.old', 'r:2')`,
    );
    const res = await scheduled('15 3 * * *');
    expect(res.outcome).toBe('ok');
    expect((await svc.pg.query(`SELECT to_regclass('audit_log_202001') AS t`)).rows[0].t).toBeNull();
    const next = new Date();
    next.setUTCMonth(next.getUTCMonth() + 2);
    const ahead = `audit_log_${next.getUTCFullYear()}${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
    expect((await svc.pg.query(`SELECT to_regclass($1) AS t`, [ahead])).rows[0].t).toBe(ahead);

    const blobs = createS3BlobStore({ bucket: svc.s3.bucket, region: svc.s3.region, endpoint: svc.s3.endpoint, forcePathStyle: true, credentials: svc.s3.credentials });
    const obj = await blobs.get('audit/audit_log_202001.jsonl.gz');
    expect(obj).not.toBeNull();
    const lines = gunzipSync(obj!.body).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.resource)).toEqual(['r:1', 'r:2']);
  });

  it('a cron expression the Worker has no jobs for fails the invocation', async () => {
    const res = await scheduled('0 0 1 1 *');
    expect(res.outcome).not.toBe('ok');
  });
});

await describeWith(['postgres', 'redis'], 'Worker with a wrong binding', () => {
  let svc: EdgeServices;
  beforeAll(async () => {
    svc = await startEdgeServices();
  }, 60_000);
  afterAll(async () => svc?.close());

  it('without DATABASE_URL every request gets a 503 problem naming the setting, not a stack', async () => {
    const { DATABASE_URL: _omit, ...env } = svc.env;
    const mf = workerd(env);
    try {
      const res = await mf.dispatchFetch('http://localhost/health');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
      expect(body.error).toBe('unavailable');
      expect(body.issues.map((i) => i.message).join(' ')).toMatch(/DATABASE_URL is required/);
      expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|\.js:\d+/);
    } finally {
      await mf.dispose();
    }
  });

  it('a malformed DATABASE_URL is named by the config schema', async () => {
    const mf = workerd({ ...svc.env, DATABASE_URL: 'mysql://nope' });
    try {
      const res = await mf.dispatchFetch('http://localhost/health');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { issues: { path: string }[] };
      expect(body.issues.map((i) => i.path)).toContain('DATABASE_URL');
    } finally {
      await mf.dispose();
    }
  });
});
