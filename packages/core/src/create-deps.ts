/**
 * createDeps(config, platform): the one composition root. Picks each tier from configuration
 * (absent → embedded: PGlite + memory Kv + filesystem blobs + in-process queue), wraps the
 * ports with round-trip counters, builds the cache engine on top and registers the job
 * consumers. Entries call it once per isolate or cold start and hand the result to createApp.
 */
import type { Config } from './config/index';
import { Secret } from './config/secret';
import { createMemoryKv } from './adapters/kv/memory';
import { createUpstashKv } from './adapters/kv/upstash';
import { createNeonHttpSql } from './adapters/sql/neon-http';
import { createNeonPoolSql } from './adapters/sql/neon-pool';
import { createMemoryQueue } from './adapters/queue/memory';
import { createCache, resolveNamespaces } from './cache/index';
import { DepsError, type Deps, type Platform, type Runtime } from './deps';
import { registerCoreJobs } from './jobs/handlers';
import { createJobRouter } from './jobs/router';
import { recordDeadLetter } from './jobs/dead-letters';
import { registerLineageJobs } from './lineage/jobs';
import { registerPublishEventJobs } from './lineage/publish-events';
import { registerUploadJobs } from './uploads/jobs';
import { createBackground } from './observability/background';
import { instrumentBlobs, instrumentKv, instrumentSql } from './observability/instrument';
import { createLogger, type Logger } from './observability/log';
import { createMetrics } from './observability/metrics';
import { cacheReadRecorder } from './observability/cache-reads';
import { registerCollectors } from './observability/collectors';
import type { BlobStore, Clock, Kv, Queue, Sql } from './ports/index';
import { systemClock } from './ports/clock';
import { dohResolver } from './net/webhook-url';
import { createBroadcaster } from './payments/broadcast';

export { DepsError, type Deps, type Platform, type Runtime, type S3Settings } from './deps';

function need<T>(v: T | undefined, what: string, runtime: Runtime): T {
  if (v === undefined) throw new DepsError(`${what} on ${runtime}`);
  return v;
}

async function openSql(config: Config, platform: Platform): Promise<Sql> {
  const { runtime } = platform;
  if (!config.DATABASE_URL) {
    const open = need(platform.openEmbeddedSql, 'DATABASE_URL is required (there is no embedded PGlite)', runtime);
    return open(config.PGLITE_DIR);
  }
  const url = config.DATABASE_URL.reveal();
  const driver = config.SQL_DRIVER === 'auto' ? (runtime === 'node' && platform.openPgSql ? 'pg' : 'neon-http') : config.SQL_DRIVER;
  if (driver === 'pg') return need(platform.openPgSql, 'SQL_DRIVER=pg needs node-postgres', runtime)(url, config.SQL_POOL_MAX);
  const pool = createNeonPoolSql({
    url,
    max: config.SQL_POOL_MAX,
    ...(config.NEON_WS_PROXY ? { wsProxy: config.NEON_WS_PROXY } : {}),
    secure: config.NEON_SECURE_WS,
    // workerd binds a WebSocket to the event that opened it: never hand one to a later event
    ...(runtime === 'worker' ? { maxUses: 1 } : {}),
    ...(platform.webSocketConstructor ? { webSocketConstructor: platform.webSocketConstructor } : {}),
  });
  if (driver === 'neon-ws') return pool;
  // HTTP for one-shot queries and batches (one fetch each); the pool only for interactive transactions.
  return createNeonHttpSql({ url, ...(config.NEON_FETCH_ENDPOINT ? { fetchEndpoint: config.NEON_FETCH_ENDPOINT } : {}), sessions: pool });
}

async function openKv(config: Config, platform: Platform, clock: Clock): Promise<Kv> {
  if (config.REDIS_URL) {
    const open = need(platform.openRedisKv, 'REDIS_URL needs a TCP connection (Node or Lambda); use UPSTASH_REDIS_REST_URL', platform.runtime);
    return open({ url: config.REDIS_URL.reveal(), timeoutMs: config.KV_TIMEOUT_MS });
  }
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return createUpstashKv({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN.reveal(), timeoutMs: config.KV_TIMEOUT_MS });
  }
  return createMemoryKv({ maxEntries: config.KV_MEMORY_MAX_ENTRIES, clock });
}

async function resolveTokens(config: Config, platform: Platform, log: Logger): Promise<{ admin: Secret; ingest: Secret }> {
  if (config.ADMIN_TOKEN && config.INGEST_TOKEN) return { admin: config.ADMIN_TOKEN, ingest: config.INGEST_TOKEN };
  const boot = need(platform.bootstrapTokens, 'ADMIN_TOKEN and INGEST_TOKEN are required', platform.runtime);
  const t = await boot();
  log.info(t.created ? 'generated admin and ingest tokens' : 'using tokens generated earlier', { file: t.file });
  return { admin: config.ADMIN_TOKEN ?? new Secret(t.admin), ingest: config.INGEST_TOKEN ?? new Secret(t.ingest) };
}

/** Builds every tier from `config`; throws DepsError when the platform cannot provide one. */
export async function createDeps(config: Config, platform: Platform): Promise<Deps> {
  const clock = platform.clock ?? systemClock;
  const log = createLogger(config.LOG_LEVEL, platform.logSink);
  const metrics = createMetrics();
  const background = createBackground();
  const tokens = await resolveTokens(config, platform, log);
  const signCdnUrl = config.CDN_MODE === 'signed' ? need(platform.signCdnUrl, 'CDN_MODE=signed needs a CloudFront signer (Node or Lambda)', platform.runtime) : null;

  const rawSql = await openSql(config, platform);
  const sql = instrumentSql(rawSql, metrics);

  let blobs: BlobStore;
  let blobSigningSecret: Secret | null = null;
  if (config.S3_BUCKET) {
    const open = need(platform.openS3BlobStore, 'S3_BUCKET needs an S3 client', platform.runtime);
    blobs = open({
      bucket: config.S3_BUCKET,
      region: config.S3_REGION,
      ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY.reveal() } }
        : {}),
    });
  } else {
    const open = need(platform.openFsBlobStore, 'S3_BUCKET is required (there is no filesystem blob store)', platform.runtime);
    blobSigningSecret = config.BLOB_SIGNING_SECRET ?? new Secret(`blob:${tokens.admin.reveal()}`);
    blobs = open({ root: config.BLOB_DIR, publicBaseUrl: config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.PORT}`, signingSecret: blobSigningSecret.reveal() });
  }

  const jobs = createJobRouter<Deps>(log);
  registerCoreJobs(jobs);
  registerLineageJobs(jobs);
  registerPublishEventJobs(jobs);
  registerUploadJobs(jobs);

  let queue: Queue;
  if (platform.queue) queue = platform.queue;
  else if (config.QUEUE_URL) {
    const open = need(platform.openSqsQueue, 'QUEUE_URL needs an SQS client', platform.runtime);
    queue = open({ queueUrl: config.QUEUE_URL, region: config.QUEUE_REGION ?? config.S3_REGION, ...(config.QUEUE_ENDPOINT ? { endpoint: config.QUEUE_ENDPOINT } : {}) });
  } else {
    queue = createMemoryQueue({
      consumer: (batch) => jobs.consume(batch),
      maxAttempts: config.QUEUE_MAX_ATTEMPTS,
      deadLetter: (delivery, error) => recordDeadLetter(sql, { id: delivery.id, job: delivery.job, attempts: delivery.attempt, error }),
    });
  }

  // Last of the tiers: a Redis client connects as soon as it exists, so nothing that can still
  // refuse the configuration comes after it (a start that fails leaves no socket behind).
  let kv: Kv;
  try {
    kv = instrumentKv(await openKv(config, platform, clock), metrics);
  } catch (e) {
    await sql.close().catch(() => undefined);
    throw e;
  }
  const cache = createCache({
    kv,
    clock,
    namespaces: resolveNamespaces(config.CACHE_TTLS_JSON ?? {}),
    metrics: { read: cacheReadRecorder(metrics) },
    l1MaxEntries: config.L1_MAX_ENTRIES,
    kvTimeoutMs: config.KV_TIMEOUT_MS,
    waitUntil: (p) => background.track(p),
  });
  blobs = instrumentBlobs(blobs, metrics);
  const deps: Deps = {
    config,
    runtime: platform.runtime,
    sql,
    kv,
    blobs,
    queue,
    cache,
    jobs,
    clock,
    tokens,
    log,
    metrics,
    background,
    blobSigningSecret,
    signCdnUrl,
    readTextFile: platform.readTextFile ?? null,
    resolveHost: platform.resolveHost ?? dohResolver(),
    tiers: { database: rawSql.kind, cache: kv.kind, storage: blobs.kind, queue: queue.kind },
    broadcaster: createBroadcaster(config),
    async close() {
      stopCollectors();
      await background.drain();
      if ('drain' in queue && typeof queue.drain === 'function') await (queue as { drain(): Promise<void> }).drain();
      await Promise.allSettled([sql.close(), kv.close()]);
    },
  };
  const stopCollectors = registerCollectors({ metrics, sql, queue, ...(platform.openProcessStats ? { process: platform.openProcessStats() } : {}) });
  jobs.bind(deps);
  return deps;
}
