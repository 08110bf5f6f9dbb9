/**
 * Publishing a version: validate manifest and DLM1 transaction against each other, then hand
 * back the statements that store it, so the caller can add outbox and audit rows and commit
 * everything in ONE `sql.batch` round trip.
 *
 * Conflict design: a version is declared by exactly one tx. The declaration insert absorbs a
 * replay of the same tx (`ON CONFLICT (txid) DO NOTHING`) but a different tx for the same
 * version violates the `declarations_version_once` key, which aborts the whole batch; the
 * caller maps that error with `publishConflictFrom`. Same txid with different content cannot
 * happen: a tx commits to exactly one versionId (its first DLM1 output), and the versionId is
 * the hash of the content.
 */
import { StrataError } from '../errors';
import type { Row, Statement } from '../ports/sql';
import { parseDlm1Tx } from './dlm1';
import { producerIdOf } from './ids';
import { checkManifestSignatures, manifestParents, parseManifest, versionIdOf, type Manifest } from './manifest';

export interface PreparedPublish {
  readonly versionId: string;
  readonly txid: string;
  readonly vout: number;
  readonly parents: string[];
  readonly producerId: string | null;
  /** The validated manifest (hex lower-cased) as it is stored. */
  readonly manifest: Manifest;
  readonly statements: Statement[];
  /** Index, within `statements`, of the statement whose rows tell created from replayed. */
  readonly outcomeIndex: number;
}

export type PublishOutcome = 'created' | 'existing';

const conflict = (message: string, hint: string) => new StrataError('conflict', message, { hint });

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === a.length && new Set(b).size === b.length && a.length === b.length && b.every((x) => sa.has(x));
}

/** Validates `{rawTx, manifest}` and returns the statements that store the version (not executed). */
export function preparePublish(input: { rawTx: unknown; manifest: unknown; now: Date }): PreparedPublish {
  const manifest = parseManifest(input.manifest);
  const versionId = versionIdOf(manifest);
  if (manifest.versionId !== undefined && manifest.versionId !== versionId) {
    throw conflict(`manifest.versionId does not match the canonical manifest hash ${versionId}.`, 'versionId-mismatch');
  }
  const decl = parseDlm1Tx(input.rawTx);
  if (decl.versionId !== versionId) {
    throw conflict(`The DLM1 output commits to ${decl.versionId}, the manifest hashes to ${versionId}.`, 'dlm1-versionId-mismatch');
  }
  const parents = manifestParents(manifest);
  // order-insensitive: the parents are a set in the seed's lineage model
  if (!sameSet(parents, decl.parents)) {
    throw conflict('The DLM1 output does not commit to exactly the manifest lineage.parents.', 'dlm1-parents-mismatch');
  }
  // last of the checks: signature verification is the expensive one
  checkManifestSignatures(manifest, versionId, input.now);
  const identityKey = manifest.provenance.producer?.identityKey ?? null;
  const producerId = identityKey ? producerIdOf(identityKey) : null;
  const now = input.now;

  const statements: Statement[] = [];
  if (identityKey && producerId) {
    statements.push({
      text: `INSERT INTO producers (producer_id, identity_key, created_at, updated_at)
             VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING`,
      params: [producerId, identityKey, now],
    });
  }
  statements.push({
    text: `INSERT INTO manifests (version_id, body, created_at) VALUES ($1, $2::jsonb, $3) ON CONFLICT DO NOTHING`,
    params: [versionId, JSON.stringify(manifest), now],
  });
  statements.push({
    text: `INSERT INTO assets (version_id, dataset_id, producer_id, name, description, content_hash, mime_type,
                               size_bytes, tags, policy_meta, updated_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::text[], $10::jsonb, $11, $11)
           ON CONFLICT (version_id) DO NOTHING`,
    params: [
      versionId,
      manifest.datasetId,
      producerId,
      manifest.name ?? null,
      manifest.description ?? null,
      manifest.content.contentHash,
      manifest.content.mimeType ?? null,
      manifest.content.sizeBytes === undefined ? null : String(manifest.content.sizeBytes),
      manifest.tags ?? [],
      JSON.stringify({ license: manifest.policy.license, classification: manifest.policy.classification }),
      now,
    ],
  });
  const outcomeIndex = statements.length;
  statements.push({
    text: `INSERT INTO declarations (version_id, txid, opret_vout, raw_tx, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (txid) DO NOTHING
           RETURNING version_id`,
    params: [versionId, decl.txid, decl.vout, String(input.rawTx).toLowerCase(), now],
  });
  if (parents.length > 0) {
    statements.push({
      text: `INSERT INTO edges (child_version_id, parent_version_id)
             SELECT $1, p FROM unnest($2::text[]) AS p ON CONFLICT DO NOTHING`,
      params: [versionId, parents],
    });
  }
  return { versionId, txid: decl.txid, vout: decl.vout, parents, producerId, manifest, statements, outcomeIndex };
}

/** Reads the batch result: `created` for a new declaration, `existing` for a replay of the same tx. */
export function interpretPublishResult(prepared: PreparedPublish, results: readonly Row[][], offset = 0): PublishOutcome {
  const rows = results[offset + prepared.outcomeIndex];
  if (!rows) throw new StrataError('internal', 'Publish batch result is missing the declaration statement.');
  return rows.length === 1 ? 'created' : 'existing';
}

/** Walks an error and its causes for a violation of the constraint, by field or by message. */
export function violatesConstraint(err: unknown, constraint: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    const o = e as { constraint?: unknown; message?: unknown; cause?: unknown };
    if (o.constraint === constraint) return true;
    if (typeof o.message === 'string' && o.message.includes(`"${constraint}"`)) return true;
    e = o.cause;
  }
  return false;
}

/** Maps a failed publish batch to 409 `conflict` when another tx already declared the version. */
export function publishConflictFrom(err: unknown, prepared?: PreparedPublish): StrataError | null {
  if (!violatesConstraint(err, 'declarations_version_once')) return null;
  const v = prepared ? ` ${prepared.versionId}` : '';
  return new StrataError('conflict', `Version${v} is already declared by another transaction.`, {
    hint: 'version-already-declared',
    cause: err,
  });
}
