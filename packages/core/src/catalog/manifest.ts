/**
 * The DLM1 off-chain manifest (the seed's `schemas/dlm1-manifest.schema.json`): strict at the
 * top level, open inside its sections exactly where the seed is. Its canonical hash is the
 * `versionId` the on-chain DLM1 output commits to.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { invalidInput, StrataError, type FieldIssue, type InputAt } from '../errors';
import { verifyMessageSignature } from '../identity/verify';
import { sha256Hex } from '../util/hash';

/** Canonical manifests larger than this are refused (they live in a row and in bundles). */
export const MANIFEST_MAX_BYTES = 64 * 1024;
/** A version may name at most this many parents (they are committed on chain). */
export const MANIFEST_MAX_PARENTS = 256;
const MAX_DEPTH = 32;
const MAX_NODES = 10_000;

const lower = (s: string) => s.toLowerCase();
const Hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').transform(lower);
const PubKeyHex = z
  .string()
  .regex(/^0[23][0-9a-fA-F]{64}$/, 'must be a compressed secp256k1 public key (66 hex)')
  .transform(lower);
const Text = (max: number) => z.string().max(max);
// No control characters: names and ids end up in logs, cache keys and search indexes.
const Label = (min: number, max: number) =>
  z.string().min(min).max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const ManifestClassification = z.enum(['public', 'internal', 'restricted', 'clinical-research']);

const HASH_EXAMPLE = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const KEY_EXAMPLE = '02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5';

/** A complete manifest, as documented in the API reference (a test checks it parses). */
export const MANIFEST_EXAMPLE = {
  type: 'datasetVersionManifest',
  datasetId: 'grandmas-kitchen/apple-pie-recipes',
  name: 'Apple pie recipes',
  description: 'Every apple pie recipe in the family notebook, one row per recipe.',
  tags: ['recipes', 'baking'],
  content: { contentHash: HASH_EXAMPLE, sizeBytes: 1_048_576, mimeType: 'text/csv', schema: { uri: 'https://schemas.example/recipes.json' } },
  lineage: { parents: ['60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752'], transforms: [{ name: 'deduplicate' }] },
  provenance: { producer: { identityKey: KEY_EXAMPLE }, createdAt: '2026-01-15T10:00:00Z', locations: [{ type: 's3', uri: 's3://bucket/recipes.csv' }] },
  policy: { license: 'CC-BY-4.0', classification: 'public', pii_flags: [] },
};

export const Manifest = z
  .strictObject({
    type: z.literal('datasetVersionManifest').meta({ description: 'Always `datasetVersionManifest`.' }),
    datasetId: Label(3, 256).meta({ description: 'The dataset this is a version of (3–256 characters); versions of one dataset share it.', example: 'grandmas-kitchen/apple-pie-recipes' }),
    versionId: Hex64.optional().meta({ description: 'Optional: when given it must equal the SHA-256 of the canonical manifest (which excludes `versionId` and `signatures`), else 409.' }),
    name: Label(1, 256).optional().meta({ description: 'Display name.', example: 'Apple pie recipes' }),
    description: Text(8192).optional().meta({ description: 'Free text, up to 8,192 characters; searched by `GET /listings?q=`.' }),
    tags: z.array(Label(1, 64)).max(32).optional().meta({ description: 'Up to 32 labels of 1–64 characters.', example: ['recipes'] }),
    content: z
      .looseObject({
        contentHash: Hex64.meta({ description: 'SHA-256 of the content bytes, 64 hex.', example: HASH_EXAMPLE }),
        sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Size of the content in bytes.' }),
        mimeType: Text(255).optional().meta({ description: 'Media type of the content.', example: 'text/csv' }),
        schema: z
          .looseObject({
            uri: Text(2048).optional().meta({ description: 'Where the content’s schema is described.' }),
            schemaHash: Hex64.optional().meta({ description: 'SHA-256 of the schema document (policies can require one).' }),
          })
          .optional()
          .meta({ description: 'The content’s schema.' }),
      })
      .meta({ description: 'What the version holds. Other members are kept as given.' }),
    lineage: z
      .looseObject({
        parents: z
          .array(Hex64)
          .max(MANIFEST_MAX_PARENTS)
          .refine((ps) => new Set(ps).size === ps.length, 'parents must not repeat')
          .optional()
          .meta({ description: `versionIds this version was derived from (at most ${MANIFEST_MAX_PARENTS}, no repeats); must equal the parents the DLM1 output commits to.` }),
        transforms: z
          .array(
            z.looseObject({
              name: Text(256).meta({ description: 'What the step did.', example: 'deduplicate' }),
              parametersHash: z.string().regex(/^[0-9a-fA-F]{8,}$/).optional().meta({ description: 'Hash of the step’s parameters, at least 8 hex.' }),
            }),
          )
          .max(256)
          .optional()
          .meta({ description: 'Steps that made this version from its parents: a name and optionally a hex hash of their parameters.' }),
      })
      .optional()
      .meta({ description: 'Where the version came from.' }),
    provenance: z
      .looseObject({
        producer: z
          .looseObject({ identityKey: PubKeyHex.optional().meta({ description: 'The producer’s identity key; must equal `signatures.producer.publicKey` when both are given.', example: KEY_EXAMPLE }) })
          .optional()
          .meta({ description: 'The producer; other members are kept as given.' }),
        createdAt: z.iso.datetime({ offset: true }).meta({ description: 'When the version was made (ISO 8601 with offset); `maxDataAgeSeconds` in policies reads it.', example: '2026-01-15T10:00:00Z' }),
        locations: z
          .array(z.looseObject({ type: Text(64).meta({ description: 'Kind of location.', example: 's3' }), uri: Text(2048).meta({ description: 'Where the copy is.', example: 's3://bucket/recipes.csv' }) }))
          .max(64)
          .optional()
          .meta({ description: 'Where copies of the content live (`type` such as `s3`, `https`).' }),
      })
      .meta({ description: 'Who made the version and when.' }),
    policy: z
      .looseObject({
        license: Label(1, 256).meta({ description: 'Licence identifier (SPDX where one exists).', example: 'CC-BY-4.0' }),
        classification: ManifestClassification.meta({ description: 'Sensitivity class; policies can allow-list classes.' }),
        pii_flags: z.array(Text(64)).max(64).optional().meta({ description: 'Kinds of personal data present (policies can block-list them).', example: [] }),
      })
      .meta({ description: 'Terms of use.' }),
    signatures: z
      .looseObject({
        producer: z
          .looseObject({
            publicKey: PubKeyHex.meta({ description: 'The signer’s compressed secp256k1 public key (66 hex).' }),
            signature: z.string().min(10).max(1024).meta({ description: 'The signature, DER or 64-byte compact, hex.' }),
          })
          .optional()
          .meta({ description: 'secp256k1 ECDSA (DER or compact hex) by `publicKey` over sha256(utf8(versionId)), versionId in lower-case hex (ADR 0017).' }),
        endorsements: z
          .array(
            z.looseObject({
              role: Text(64).optional().meta({ description: 'What the endorser vouches as, e.g. `auditor`.' }),
              publicKey: PubKeyHex.meta({ description: 'The endorser’s compressed secp256k1 public key (66 hex).' }),
              signature: z.string().min(10).max(1024).meta({ description: 'The signature over the versionId, DER or 64-byte compact, hex.' }),
              expiresAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'After this instant the endorsement is refused.' }),
            }),
          )
          .max(32)
          .optional()
          .meta({ description: 'Further signatures over the versionId, each optionally with a role and an expiry (an expired one is refused).' }),
      })
      .optional()
      .meta({ description: 'Optional signatures; not part of the hashed manifest. Each one present must verify.' }),
  })
  .meta({
    description:
      'The DLM1 off-chain manifest of a dataset version. Strict at the top level (unknown members are refused), open inside `content`, `lineage`, `provenance`, `policy` and `signatures`. Its versionId is the SHA-256 of its RFC 8785 canonical JSON without `versionId` and `signatures`; at most 64 KiB canonical.',
    example: MANIFEST_EXAMPLE,
  });
export type Manifest = z.output<typeof Manifest>;

/** Rejects non-JSON values and values too deep or large to canonicalise safely, without recursion. */
function shapeIssue(value: unknown): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++nodes > MAX_NODES) return `has more than ${MAX_NODES} values`;
    if (depth > MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels`;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'contains a non-finite number';
      continue;
    }
    const proto = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return 'contains a value JSON cannot carry';
    for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return null;
}

/** Validates a manifest; hex fields come back lower-cased. Throws `validation-failed` listing each field. */
export function parseManifest(input: unknown, at: InputAt = ['body', 'manifest']): Manifest {
  const path = at.join('.');
  const shape = shapeIssue(input);
  if (shape) throw new StrataError('validation-failed', `The manifest ${shape}.`, { issues: [{ path, message: shape }] });
  const r = Manifest.safeParse(input);
  if (!r.success) throw invalidInput(at, r.error.issues, 'The manifest is not a valid DLM1 manifest.');
  let size: number;
  try {
    size = new TextEncoder().encode(canonicalManifest(r.data)).length;
  } catch {
    // only reachable for values JSON cannot carry (functions, bigint, non-finite numbers)
    throw new StrataError('validation-failed', 'The manifest is not JSON.', { issues: [{ path, message: 'not JSON' }] });
  }
  if (size > MANIFEST_MAX_BYTES) {
    throw new StrataError('payload-too-large', `The canonical manifest is ${size} bytes; the limit is ${MANIFEST_MAX_BYTES}.`, {
      hint: path,
    });
  }
  return r.data;
}

/**
 * RFC 8785 canonical JSON of the manifest without its top-level `signatures` and `versionId`
 * (only top-level: a nested key of that name is content and must change the hash).
 */
export function canonicalManifest(m: Manifest): string {
  const { signatures: _s, versionId: _v, ...rest } = m;
  const out = canonicalize(rest);
  if (out === undefined) throw new StrataError('internal', 'Manifest could not be canonicalised.');
  return out;
}

/** The version id: SHA-256 hex of the canonical manifest. */
export function versionIdOf(m: Manifest): string {
  return sha256Hex(canonicalManifest(m));
}

/** Parents named by the manifest, lower-cased, in manifest order. */
export function manifestParents(m: Manifest): string[] {
  return m.lineage?.parents ? [...m.lineage.parents] : [];
}

/**
 * Checks the manifest's signatures against its version id (docs/adr/0017). Each signature —
 * `signatures.producer` and every `signatures.endorsements[]` — is secp256k1 ECDSA (DER or
 * 64-byte compact hex) by its `publicKey` over sha256(utf8(versionId)), versionId in lower-case
 * hex: the same scheme as identity-signed requests, over the one value that names the content.
 * The producer's key must be `provenance.producer.identityKey` when both are given, and a
 * manifest that names `provenance.producer.identityKey` must carry that producer's signature
 * (docs/adr/0039); an endorsement whose `expiresAt` has passed is refused. Throws `validation-failed` listing every
 * failing signature; a manifest that names no producer may carry no signatures.
 */
export function checkManifestSignatures(m: Manifest, versionId: string, now: Date, at: InputAt = ['body', 'manifest']): void {
  const path = at.join('.');
  const issues: FieldIssue[] = [];
  const check = (at: string, publicKey: string, signature: string) => {
    const r = verifyMessageSignature(publicKey, versionId, signature);
    if (r === 'invalid-key') issues.push({ path: `${at}.publicKey`, message: 'is not a valid compressed secp256k1 public key' });
    else if (r === 'invalid-encoding') issues.push({ path: `${at}.signature`, message: 'must be a DER or 64-byte compact signature in hex' });
    else if (r === 'signature-invalid') issues.push({ path: `${at}.signature`, message: `does not verify: expected a signature by publicKey over the versionId ${versionId}` });
  };
  const producer = m.signatures?.producer;
  // naming a producer is a claim only that producer can make: Strata stores the version under
  // provenance.producer.identityKey, and ownership (prices, uploads) follows from it
  if (m.provenance.producer?.identityKey && !producer) {
    issues.push({
      path: `${path}.signatures.producer`,
      message: 'is required when provenance.producer.identityKey is given: a signature by that key over the versionId',
    });
  }
  if (producer) {
    const at = `${path}.signatures.producer`;
    check(at, producer.publicKey, producer.signature);
    const identityKey = m.provenance.producer?.identityKey;
    if (identityKey && identityKey.toLowerCase() !== producer.publicKey.toLowerCase()) {
      issues.push({ path: `${at}.publicKey`, message: 'must equal provenance.producer.identityKey' });
    }
  }
  m.signatures?.endorsements?.forEach((e, i) => {
    const at = `${path}.signatures.endorsements.${i}`;
    check(at, e.publicKey, e.signature);
    if (e.expiresAt !== undefined && Date.parse(e.expiresAt) <= now.getTime()) issues.push({ path: `${at}.expiresAt`, message: 'has passed' });
  });
  if (issues.length > 0) throw new StrataError('validation-failed', 'A manifest signature does not verify.', { issues });
}
