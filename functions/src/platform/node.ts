/**
 * What only a Node host can offer createDeps: the embedded tiers (PGlite on disk, filesystem
 * blobs), node-postgres for a plain DATABASE_URL, `ws` for Neon's WebSocket Pool, Redis over
 * TCP for REDIS_URL, and tokens generated on first start. Kept out of core so edge bundles
 * never include node:fs.
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import ws from 'ws';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import { createSqsQueue } from '@strata/core/adapters/queue/sqs';
import { signCloudFrontUrl } from '@strata/core/delivery/cloudfront';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import type { Platform } from '@strata/core/deps';
import { nodeProcessStats } from './process-stats';
import { nodeResolver } from './node-resolver';

/** Where the embedded default keeps generated tokens (readable only by the owner). */
export const TOKENS_FILE = './.strata/tokens.json';

async function bootstrapTokens(file = TOKENS_FILE): Promise<{ admin: string; ingest: string; file: string; created: boolean }> {
  const path = resolve(file);
  try {
    const t = JSON.parse(await readFile(path, 'utf8')) as { admin?: string; ingest?: string };
    if (t.admin && t.ingest) return { admin: t.admin, ingest: t.ingest, file: path, created: false };
  } catch {
    // absent or unreadable: generate below
  }
  const tokens = { admin: randomBytes(24).toString('base64url'), ingest: randomBytes(24).toString('base64url') };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { ...tokens, file: path, created: true };
}

/** The Node platform; `runtime` is 'lambda' inside AWS Lambda (background work is then awaited). */
export function nodePlatform(runtime: 'node' | 'lambda' = 'node'): Platform {
  return {
    runtime,
    webSocketConstructor: ws,
    openEmbeddedSql: (dir) => createPgliteSql({ dataDir: dir }),
    openPgSql: (url, max) => createPgSql({ url, max }),
    openRedisKv: async (o) => (await import('@strata/core/adapters/kv/redis')).createRedisKv(o),
    openFsBlobStore: (o) => createFsBlobStore(o),
    openS3BlobStore: (o) => createS3BlobStore(o),
    openSqsQueue: (o) => createSqsQueue(o),
    signCdnUrl: (i) => signCloudFrontUrl(i),
    bootstrapTokens: () => bootstrapTokens(),
    readTextFile: (path) => readFile(path, 'utf8'),
    openProcessStats: () => nodeProcessStats(),
    resolveHost: nodeResolver,
  };
}
