/**
 * The shape of the composition root: what the host offers (`Platform`) and what every verb,
 * job and route receives (`Deps`). Types only (and `DepsError`), so any module may import them
 * without importing the tiers; `createDeps` (create-deps.ts) builds a `Deps` from configuration.
 */
import type { Config, Secret as SecretT } from './config/index';
import type { Cache } from './cache/index';
import type { JobRouter } from './jobs/router';
import type { Background } from './observability/background';
import type { Logger } from './observability/log';
import type { Metrics } from './observability/metrics';
import type { ProcessStats } from './observability/collectors';
import type { BlobStore, Clock, Kv, Queue, Sql } from './ports/index';
import type { HostResolver } from './net/webhook-url';
import type { CdnSigner } from './delivery/cdn';
import type { Broadcaster } from './payments/broadcast';

export type Runtime = 'node' | 'lambda' | 'worker';

/** What the host offers beyond what core can build from configuration alone. */
export interface Platform {
  readonly runtime: Runtime;
  /** WebSocket class for Neon's Pool where there is no global one (Node 20: `ws`). */
  readonly webSocketConstructor?: unknown;
  /** Node only: embedded PGlite persisted under `dir`. */
  readonly openEmbeddedSql?: (dir: string) => Promise<Sql>;
  /** Node only: node-postgres for a plain DATABASE_URL. */
  readonly openPgSql?: (url: string, max: number) => Sql;
  /** Node and Lambda: Redis over TCP/TLS (ioredis) for REDIS_URL; Workers have no such socket. */
  readonly openRedisKv?: (o: { url: string; timeoutMs: number }) => Promise<Kv>;
  /** Node only: filesystem blobs whose presigned URLs Strata's /blobs route serves. */
  readonly openFsBlobStore?: (o: { root: string; publicBaseUrl: string; signingSecret: string }) => BlobStore;
  /** Node only: tokens generated on first start when neither is configured. */
  readonly bootstrapTokens?: () => Promise<{ admin: string; ingest: string; file: string; created: boolean }>;
  /**
   * The S3 client for S3_BUCKET: the AWS SDK on Node and Lambda, fetch + SigV4 on Workers.
   * A platform hook rather than an import so the SDK never enters the Worker bundle (ADR 0006).
   */
  readonly openS3BlobStore?: (o: S3Settings) => BlobStore;
  /** The SQS sender for QUEUE_URL (Node and Lambda; Workers use their Queues binding). */
  readonly openSqsQueue?: (o: { queueUrl: string; region: string; endpoint?: string }) => Queue;
  /** Node only: reads a local text file (a HEADERS_SOURCE given as a path). */
  readonly readTextFile?: (path: string) => Promise<string>;
  /** A queue the host provides (Cloudflare Queues binding). */
  readonly queue?: Queue;
  /** Node and Lambda: memory and event-loop delay for /metrics (Workers have neither). */
  readonly openProcessStats?: () => ProcessStats;
  /** Node and Lambda: CloudFront signed URLs for CDN_MODE=signed (the signer is an @aws-sdk package, kept out of the Worker). */
  readonly signCdnUrl?: CdnSigner;
  /** Log line sink (default console). */
  readonly logSink?: (line: string) => void;
  readonly clock?: Clock;
  /** Host name → addresses for webhook checks (default: DNS over HTTPS, for hosts without a resolver). */
  readonly resolveHost?: HostResolver;
}

/** What S3_* configuration resolves to. */
export interface S3Settings {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface Deps {
  readonly config: Config;
  readonly runtime: Runtime;
  readonly sql: Sql;
  readonly kv: Kv;
  readonly blobs: BlobStore;
  readonly queue: Queue;
  readonly cache: Cache;
  readonly jobs: JobRouter<Deps>;
  readonly clock: Clock;
  readonly tokens: { readonly admin: SecretT; readonly ingest: SecretT };
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly background: Background;
  /** Reads a local text file; null where the host has no filesystem (Workers). */
  readonly readTextFile: ((path: string) => Promise<string>) | null;
  /** Key of the fs store's signed URLs (served by the /blobs route); null with S3. */
  readonly blobSigningSecret: SecretT | null;
  /** Host name → addresses, for the webhook address checks (net/webhook-url.ts). */
  readonly resolveHost: HostResolver;
  /** CloudFront URL signer when CDN_MODE=signed (null otherwise). */
  readonly signCdnUrl: CdnSigner | null;
  /** Which adapter serves each tier (for /health and start-up logs). */
  readonly tiers: { database: string; cache: string; storage: string; queue: string };
  /** Where payment transactions are sent (dryrun or ARC; payments/broadcast.ts). */
  readonly broadcaster: Broadcaster;
  close(): Promise<void>;
}

export class DepsError extends Error {
  override readonly name = 'DepsError';
}
