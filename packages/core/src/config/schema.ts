/**
 * Every setting Strata reads, as one zod schema over the raw environment (strings). Entries
 * call `parseConfig(process.env | env bindings)` once; nothing below them reads the environment.
 */
import { z } from 'zod';
import { CacheTtlsJson } from '../cache/namespaces';
import { bool, int, jsonOf, secret, url } from './fields';
import { Secret } from './secret';
import { paymentsConfigIssues, paymentsConfigShape } from '../payments/config';
import { devChainObstacles } from '../devchain/setting';

export const FeatureFlags = z
  .object({
    /** Serve `policyPreview` on /listings. */
    policyPreview: z.boolean().default(true),
    /** Emit OpenLineage events when versions are published or recalled. */
    lineageHooks: z.boolean().default(true),
    /** Expose /docs (the interactive API reference). */
    docs: z.boolean().default(true),
  })
  .strict();
export type FeatureFlags = z.infer<typeof FeatureFlags>;

/** `SCHEDULE_INTERVALS_JSON`: seconds per scheduled job name (see jobs/schedule.ts). */
export const ScheduleIntervals = z
  .object({
    'outbox-sweep': int(0, 86_400 * 7),
    'dead-letter-replay': int(0, 86_400 * 7),
    'headers-refresh': int(0, 86_400 * 7),
    'audit-archive': int(0, 86_400 * 7),
    'lineage-partitions': int(0, 86_400 * 7),
    'receipt-reconcile': int(0, 86_400 * 7),
    'identity-nonce-prune': int(0, 86_400 * 7),
    'uploads-abort': int(0, 86_400 * 7),
  })
  .partial()
  .strict();
export type ScheduleIntervals = z.infer<typeof ScheduleIntervals>;

export const RawConfig = z
  .object({
    PORT: int(1, 65535).default(8787),
    /** Address the Node server listens on (`0.0.0.0` for every interface). */
    HOST: z.string().regex(/^[\w.:-]{1,253}$/, 'an IP address or host name').default('127.0.0.1'),
    STAGE: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and dashes').default('local'),
    PUBLIC_BASE_URL: url.optional(),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** Comma-separated origins allowed by CORS, or `*`. */
    CORS_ALLOW_ORIGINS: z
      .string()
      .regex(/^(\*|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)$/, 'use * or a comma-separated list of http(s) origins')
      .default('*'),

    // Postgres: absent → embedded PGlite under PGLITE_DIR
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .transform((v) => new Secret(v))
      .optional(),
    SQL_DRIVER: z.enum(['auto', 'pg', 'neon-http', 'neon-ws']).default('auto'),
    NEON_FETCH_ENDPOINT: url.optional(),
    NEON_WS_PROXY: z.string().regex(/^[\w.-]+(:\d+)?(\/\S*)?$/, 'host[:port][/path], no scheme').optional(),
    NEON_SECURE_WS: bool.default(true),
    PGLITE_DIR: z.string().min(1).default('./.strata/pglite'),
    SQL_POOL_MAX: int(1, 100).default(10),
    /** Node server: apply pending migrations at start. Unset: yes on the embedded database, no with DATABASE_URL (then a database behind the code answers 503). */
    MIGRATE_ON_START: bool.optional(),

    // Kv: absent → in-process memory. REDIS_URL (Node and Lambda: Redis's own protocol) or Upstash's REST API.
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
      .transform((v) => new Secret(v))
      .optional(),
    UPSTASH_REDIS_REST_URL: z.string().regex(/^https?:\/\/[^\s#$./?].\S*$/, 'must be an http(s) URL').optional(),
    UPSTASH_REDIS_REST_TOKEN: secret(1).optional(),
    KV_TIMEOUT_MS: int(10, 10_000).default(250),
    KV_MEMORY_MAX_ENTRIES: int(100, 10_000_000).default(100_000),
    L1_MAX_ENTRIES: int(0, 1_000_000).default(5_000),

    // Blobs: absent S3_BUCKET → filesystem under BLOB_DIR
    S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid bucket name').optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ENDPOINT: url.optional(),
    S3_FORCE_PATH_STYLE: bool.default(false),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: secret(1).optional(),
    BLOB_DIR: z.string().min(1).default('./.strata/blobs'),
    BLOB_SIGNING_SECRET: secret(16).optional(),

    // Queue: absent QUEUE_URL → in-process
    QUEUE_URL: url.optional(),
    QUEUE_REGION: z.string().min(1).optional(),
    QUEUE_ENDPOINT: url.optional(),
    QUEUE_MAX_ATTEMPTS: int(1, 50).default(5),
    LINEAGE_INGEST_MODE: z.enum(['sync', 'async']).default('sync'),

    // Tokens: with neither set, the embedded default generates them at start
    ADMIN_TOKEN: secret(16).optional(),
    INGEST_TOKEN: secret(16).optional(),

    // Caching and features
    // the cache engine's own schema: an unknown namespace is a configuration error at start
    CACHE_TTLS_JSON: jsonOf(CacheTtlsJson).optional(),
    FEATURE_FLAGS_JSON: jsonOf(FeatureFlags).optional(),

    // Limits
    BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
    RATE_LIMIT_PER_MIN: int(0, 1_000_000).default(600),
    /** POST /submit per client address per minute (0 = off): publishing is unauthenticated and verifies signatures. */
    RATE_LIMIT_SUBMIT_PER_MIN: int(0, 1_000_000).default(60),
    OL_QUERY_RATE_PER_MIN: int(0, 1_000_000).default(60),
    OL_QUERY_MAX_DEPTH: int(1, 50).default(10),
    OL_QUERY_MAX_NODES: int(10, 1_000_000).default(5_000),
    OL_MAX_EVENT_BYTES: int(1024, 16 * 1024 * 1024).default(1024 * 1024),
    OL_BATCH_MAX_EVENTS: int(1, 10_000).default(1_000),
    BUNDLE_DEFAULT_DEPTH: int(1, 50).default(8),
    BUNDLE_MAX_DEPTH: int(1, 100).default(20),
    MIN_CONFS: int(0, 10_000).default(1),
    HEADERS_SOURCE: z.string().min(1).optional(),
    /** Trust the local dev chain (ADR 0061). Unset: on for the embedded database only; `true` on a local stack is refused for a production-like STAGE, a remote DATABASE_URL, HEADERS_SOURCE or ARC. */
    DEV_CHAIN: bool.optional(),
    OUTBOX_SWEEP_AFTER_SEC: int(0, 3600).default(5),
    AUDIT_RETAIN_MONTHS: int(1, 120).default(12),
    /** Months of raw OpenLineage events kept in PostgreSQL (older months go to the blob store); 0 keeps all. */
    OL_EVENTS_RETAIN_MONTHS: int(0, 120).default(0),

    // Node host (npm start)
    /** Seconds between runs of each scheduled job on a Node host (0 = off); unnamed jobs keep the cloud's interval. */
    SCHEDULE_INTERVALS_JSON: jsonOf(ScheduleIntervals).optional(),
    /** How long a stopping Node server waits for in-flight requests, scheduled jobs and background work. */
    SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
    /** Identity signatures: accepted distance between X-Timestamp and the server's clock, seconds (docs/identity-signing.md). */
    IDENTITY_WINDOW_SEC: int(5, 3600).default(300),
    /** Per client address per minute (0 = off): POST /agents/register and POST /producers/register. */
    RATE_LIMIT_REGISTER_PER_MIN: int(0, 1_000_000).default(30),
    /** Per client address per minute (0 = off): POST /agents/{id}/ping. */
    RATE_LIMIT_PING_PER_MIN: int(0, 1_000_000).default(120),
    /** Per client address per minute (0 = off): POST /declarations/{txid}/proof (verifies SPV proofs). */
    RATE_LIMIT_PROOF_PER_MIN: int(0, 1_000_000).default(60),
    // Uploads (POST /v1/uploads) and delivery (GET /v1/data)
    /** Uploads larger than this go multipart (S3 requires parts ≥ 5 MiB except the last). */
    UPLOAD_MULTIPART_THRESHOLD_BYTES: int(1024, 5 * 1024 ** 3).default(100 * 1024 ** 2),
    UPLOAD_PART_SIZE_BYTES: int(1024, 5 * 1024 ** 3).default(64 * 1024 ** 2),
    /** Largest object accepted (S3's limit is 5 TiB). */
    UPLOAD_MAX_BYTES: int(1, 5 * 1024 ** 4).default(5 * 1024 ** 4),
    /** Lifetime of presigned upload URLs; a resuming client asks for new ones. */
    UPLOAD_URL_TTL_SEC: int(60, 604_800).default(3600),
    /** An unfinished multipart upload older than this is aborted by the `uploads-abort` schedule. */
    UPLOAD_ABANDON_AFTER_SEC: int(60, 30 * 86_400).default(86_400),
    /** Lifetime of the presigned GET /v1/data issues. */
    PRESIGN_TTL_SEC: int(1, 604_800).default(900),
    /** off: the store's presigned URL; direct: CDN_BASE_URL/<key> unsigned; signed: CloudFront signed URL. */
    CDN_MODE: z.enum(['off', 'direct', 'signed']).default('off'),
    CDN_BASE_URL: url.optional(),
    CDN_KEY_PAIR_ID: z.string().regex(/^[A-Z0-9]{8,32}$/, 'a CloudFront public key id').optional(),
    /** PEM private key of the CloudFront key pair (CDN_MODE=signed). */
    CDN_PRIVATE_KEY: secret(64).optional(),
    // Payments (payments/config.ts)
    ...paymentsConfigShape,
  })
  .superRefine((c, ctx) => {
    paymentsConfigIssues(c, (path, message) => ctx.addIssue({ code: 'custom', path: [path], message }));
    if (c.DEV_CHAIN === true) {
      for (const o of devChainObstacles(c)) ctx.addIssue({ code: 'custom', path: [o.variable], message: o.message });
    }
    if (!!c.UPSTASH_REDIS_REST_URL !== !!c.UPSTASH_REDIS_REST_TOKEN) {
      const missing = c.UPSTASH_REDIS_REST_URL ? 'UPSTASH_REDIS_REST_TOKEN' : 'UPSTASH_REDIS_REST_URL';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other Upstash variable is set' });
    }
    if (c.REDIS_URL && c.UPSTASH_REDIS_REST_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'set REDIS_URL or UPSTASH_REDIS_REST_URL, not both (one Kv serves the cache, limits and leases)' });
    }
    if (!!c.S3_ACCESS_KEY_ID !== !!c.S3_SECRET_ACCESS_KEY) {
      ctx.addIssue({ code: 'custom', path: ['S3_SECRET_ACCESS_KEY'], message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together' });
    }
    if (c.SQL_DRIVER !== 'auto' && !c.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: `is required when SQL_DRIVER=${c.SQL_DRIVER}` });
    }
    if (c.CDN_MODE !== 'off' && !c.CDN_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['CDN_BASE_URL'], message: `is required when CDN_MODE=${c.CDN_MODE}` });
    }
    if (c.CDN_MODE === 'signed' && (!c.CDN_KEY_PAIR_ID || !c.CDN_PRIVATE_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['CDN_PRIVATE_KEY'], message: 'CDN_MODE=signed needs CDN_KEY_PAIR_ID and CDN_PRIVATE_KEY' });
    }
    if (c.LINEAGE_INGEST_MODE === 'async' && c.QUEUE_URL === undefined && c.DATABASE_URL === undefined) {
      // async ingest on the embedded default uses the in-process queue: allowed, nothing to check
    }
  });

export type Config = z.output<typeof RawConfig>;
