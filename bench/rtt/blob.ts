/**
 * Round-trip cost of one HEAD of a small object through each BlobStore path, sequentially:
 * - `fs`: the filesystem adapter (sidecar read),
 * - `s3-sdk`: the S3 adapter (@aws-sdk/client-s3, SigV4) against in-process s3rver,
 * - `fetch-s3rver`: a bare unsigned fetch HEAD to the same s3rver, so SDK cost = s3-sdk − fetch-s3rver.
 * s3rver runs in this process, so its own work is counted in both S3 rows.
 * Run alone with `tsx bench/rtt/blob.ts [iterations]`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import { startS3Server } from '../../test/support/s3-server';
import { measure, type Percentiles } from './measure';

/** Measures p50/p99 of one HEAD per path; needs no external services. */
export async function benchBlob(opts: { iterations: number }): Promise<Record<string, Percentiles>> {
  const body = randomBytes(1024);
  const sha = createHash('sha256').update(body).digest('hex');
  const key = `hot/${sha}`;
  const root = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-blob-'));
  const s3 = await startS3Server({ bucket: 'strata-bench' });
  try {
    const fs = createFsBlobStore({ root, publicBaseUrl: 'http://127.0.0.1:1', signingSecret: randomBytes(32).toString('hex') });
    const sdk = createS3BlobStore({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    await fs.put(key, body, { sha256Hex: sha });
    await sdk.put(key, body, { sha256Hex: sha });
    const rawUrl = `${s3.endpoint}/${s3.bucket}/${key}`;

    const out: Record<string, Percentiles> = {};
    out.fs = await measure(opts.iterations, () => fs.head(key));
    out['s3-sdk'] = await measure(opts.iterations, async () => {
      if (!(await sdk.head(key))) throw new Error('object vanished');
    });
    out['fetch-s3rver'] = await measure(opts.iterations, async () => {
      const res = await fetch(rawUrl, { method: 'HEAD' });
      if (res.status !== 200) throw new Error(`HEAD ${res.status}`);
    });
    return out;
  } finally {
    await s3.close();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = Number(process.argv[2] ?? 1000);
  console.log(JSON.stringify(await benchBlob({ iterations }), null, 2));
}
