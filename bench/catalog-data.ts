/**
 * The catalog benches' data: 100k-style synthetic published versions seeded with set-based
 * INSERTs (the rows a publish creates: manifest, asset, declaration), a seeded PRNG and a Zipf
 * sampler, and the Zipf-distributed detail and listings paths both bench/catalog.ts and
 * bench/catalog-profile.ts drive.
 */
import { canonicalManifest } from '@strata/core/catalog/manifest';
import { sha256Hex } from '@strata/core/util/hash';
import type { Deps } from '@strata/core/deps';

export const DATASETS = 2_000;
export const ZIPF_S = 1.1;

/** Zipf sampler over ranks 0..n-1 (inverse CDF by binary search). */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

export const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

/** Seeds `count` versions with set-based INSERTs; returns their versionIds. */
export async function seed(deps: Deps, count: number): Promise<string[]> {
  const ids: string[] = [];
  const CHUNK = 5_000;
  for (let start = 0; start < count; start += CHUNK) {
    const vids: string[] = [];
    const bodies: string[] = [];
    const datasets: string[] = [];
    const names: string[] = [];
    const hashes: string[] = [];
    const txids: string[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const datasetId = `ds-${hex(i % DATASETS, 4)}`;
      const manifest = {
        type: 'datasetVersionManifest',
        datasetId,
        name: `Dataset ${i % DATASETS} version ${Math.floor(i / DATASETS)}`,
        description: 'Synthetic benchmark version',
        content: { contentHash: sha256Hex(`content ${i}`), mimeType: 'text/csv', sizeBytes: 1024 + i },
        provenance: { createdAt: '2025-01-01T00:00:00Z' },
        policy: { license: 'cc-by-4.0', classification: 'public' },
      };
      const vid = sha256Hex(canonicalManifest(manifest as never));
      vids.push(vid);
      bodies.push(JSON.stringify(manifest));
      datasets.push(datasetId);
      names.push(manifest.name);
      hashes.push(manifest.content.contentHash);
      txids.push(sha256Hex(`tx ${i}`));
    }
    await deps.sql.batch([
      { text: `INSERT INTO manifests (version_id, body) SELECT v, b::jsonb FROM unnest($1::text[], $2::text[]) AS t(v, b)`, params: [vids, bodies] },
      {
        text: `INSERT INTO assets (version_id, dataset_id, name, description, content_hash, mime_type, size_bytes, policy_meta, updated_at, created_at)
               SELECT v, d, n, 'Synthetic benchmark version', h, 'text/csv', 1024, '{"license":"cc-by-4.0","classification":"public"}',
                      now() - (o || ' seconds')::interval, now()
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(v, d, n, h, o)`,
        params: [vids, datasets, names, hashes],
      },
      {
        text: `INSERT INTO declarations (version_id, txid, opret_vout, raw_tx) SELECT v, x, 0, '00' FROM unnest($1::text[], $2::text[]) AS t(v, x)`,
        params: [vids, txids],
      },
    ]);
    ids.push(...vids);
  }
  await deps.sql.query('ANALYZE manifests; ');
  await deps.sql.query('ANALYZE assets');
  return ids;
}

/** 30k detail paths and 30k listings paths (dataset pages and word searches), Zipf over versions and pages. */
export function benchPaths(ids: readonly string[]): { detailPaths: string[]; listingPaths: string[] } {
  const rand = seeded(42);
  const pickVersion = zipf(ids.length, ZIPF_S, rand);
  const detailPaths = Array.from({ length: 30_000 }, () => `/listings/${ids[pickVersion()]}`);
  const pickPage = zipf(DATASETS * 3, ZIPF_S, rand);
  const listingPaths = Array.from({ length: 30_000 }, () => {
    const r = pickPage();
    const ds = `ds-${hex(r % DATASETS, 4)}`;
    const page = Math.floor(r / DATASETS);
    return page === 2 ? `/listings?q=dataset%20${r % DATASETS}&limit=20` : `/listings?datasetId=${ds}&limit=20&offset=${page * 20}`;
  });
  return { detailPaths, listingPaths };
}
