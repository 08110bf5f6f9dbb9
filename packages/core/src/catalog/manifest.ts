/**
 * The DLM1 off-chain manifest (the seed's `schemas/dlm1-manifest.schema.json`): strict at the
 * top level, open inside its sections exactly where the seed is. Its canonical hash is the
 * `versionId` the on-chain DLM1 output commits to.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { StrataError, type FieldIssue } from '../errors';
import { verifyMessageSignature } from '../identity/verify';
import { sha256HexUtf8 } from './hex';

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

export const Manifest = z.strictObject({
  type: z.literal('datasetVersionManifest'),
  datasetId: Label(3, 256),
  versionId: Hex64.optional(),
  name: Label(1, 256).optional(),
  description: Text(8192).optional(),
  tags: z.array(Label(1, 64)).max(32).optional(),
  content: z.looseObject({
    contentHash: Hex64,
    sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    mimeType: Text(255).optional(),
    schema: z.looseObject({ uri: Text(2048).optional(), schemaHash: Hex64.optional() }).optional(),
  }),
  lineage: z
    .looseObject({
      parents: z
        .array(Hex64)
        .max(MANIFEST_MAX_PARENTS)
        .refine((ps) => new Set(ps).size === ps.length, 'parents must not repeat')
        .optional(),
      transforms: z
        .array(z.looseObject({ name: Text(256), parametersHash: z.string().regex(/^[0-9a-fA-F]{8,}$/).optional() }))
        .max(256)
        .optional(),
    })
    .optional(),
  provenance: z.looseObject({
    producer: z.looseObject({ identityKey: PubKeyHex.optional() }).optional(),
    createdAt: z.iso.datetime({ offset: true }),
    locations: z.array(z.looseObject({ type: Text(64), uri: Text(2048) })).max(64).optional(),
  }),
  policy: z.looseObject({
    license: Label(1, 256),
    classification: ManifestClassification,
    pii_flags: z.array(Text(64)).max(64).optional(),
  }),
  signatures: z
    .looseObject({
      producer: z.looseObject({ publicKey: PubKeyHex, signature: z.string().min(10).max(1024) }).optional(),
      endorsements: z
        .array(
          z.looseObject({
            role: Text(64).optional(),
            publicKey: PubKeyHex,
            signature: z.string().min(10).max(1024),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          }),
        )
        .max(32)
        .optional(),
    })
    .optional(),
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
export function parseManifest(input: unknown, path = 'manifest'): Manifest {
  const shape = shapeIssue(input);
  if (shape) throw new StrataError('validation-failed', `The manifest ${shape}.`, { issues: [{ path, message: shape }] });
  const r = Manifest.safeParse(input);
  if (!r.success) {
    const issues: FieldIssue[] = r.error.issues.map((i) => ({
      path: [path, ...i.path.map(String)].join('.'),
      message: i.message,
    }));
    throw new StrataError('validation-failed', 'The manifest is not a valid DLM1 manifest.', { issues });
  }
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
  return sha256HexUtf8(canonicalManifest(m));
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
export function checkManifestSignatures(m: Manifest, versionId: string, now: Date, path = 'manifest'): void {
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
