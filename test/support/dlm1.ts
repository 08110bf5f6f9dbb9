/**
 * Builders for catalog tests: a valid DLM1 manifest and a real transaction declaring it.
 * A manifest that names a producer must carry that producer's signature over its versionId
 * (docs/adr/0017, 0039): pass `signer` and both are filled in.
 */
import type { PrivateKey } from '@bsv/sdk';
import { buildDlm1Tx } from '@strata/core/catalog/dlm1';
import { manifestParents, parseManifest, versionIdOf, type Manifest } from '@strata/core/catalog/manifest';

let counter = 0;

/** A valid manifest; every call differs (unique contentHash) unless `overrides` pins it. */
export function makeManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const n = counter.toString(16).padStart(8, '0');
  return {
    type: 'datasetVersionManifest',
    datasetId: 'ds-weather',
    name: `Weather ${counter}`,
    description: 'Hourly observations',
    content: { contentHash: `${n}${'ab'.repeat(28)}`, mimeType: 'text/csv', sizeBytes: 1024 },
    provenance: { createdAt: '2025-01-01T00:00:00Z' },
    policy: { license: 'cc-by-4.0', classification: 'public' },
    ...overrides,
  };
}

export interface Publication {
  readonly manifest: Record<string, unknown>;
  readonly parsed: Manifest;
  readonly versionId: string;
  readonly rawTx: string;
  readonly txid: string;
  readonly vout: number;
}

/** A manifest plus the tx that declares it (committing to its versionId and parents). */
export function makePublication(
  overrides: Record<string, unknown> = {},
  tx: { parents?: string[]; versionId?: string; extraOutputsBefore?: number; layout?: 'two-push' | 'one-push'; signer?: PrivateKey } = {},
): Publication {
  let manifest = makeManifest(overrides);
  if (tx.signer) {
    const identityKey = tx.signer.toPublicKey().toString();
    const provenance = { ...(manifest.provenance as Record<string, unknown>), producer: { identityKey } };
    manifest = { ...manifest, provenance };
  }
  let parsed = parseManifest(manifest);
  const versionId = versionIdOf(parsed);
  if (tx.signer) {
    const signature = tx.signer.sign(versionId, 'utf8').toDER('hex') as string;
    const signatures = { ...(manifest.signatures as Record<string, unknown> | undefined), producer: { publicKey: tx.signer.toPublicKey().toString(), signature } };
    manifest = { ...manifest, signatures };
    parsed = parseManifest(manifest);
  }
  const built = buildDlm1Tx({
    versionId: tx.versionId ?? versionId,
    parents: tx.parents ?? manifestParents(parsed),
    extraOutputsBefore: tx.extraOutputsBefore,
    layout: tx.layout,
  });
  return { manifest, parsed, versionId, ...built };
}
