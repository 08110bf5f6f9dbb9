/**
 * PolicyFacts: everything a D28 rule can look at, gathered before evaluation so the evaluator
 * stays pure. Each fact is either a value, `undefined` (absent: the rule is skipped) or an
 * `Unavailable` marker (a source that should have answered did not: the rule warns).
 *
 * Where the manifest carries each fact (the DLM1 manifest is strict at the top level and open
 * inside its sections, so D28 metadata lives inside them):
 *   classification, license   policy.classification, policy.license
 *   piiFlags                  policy.pii_flags (or policy.piiFlags)
 *   geoOrigin                 policy.geoOrigin, else provenance.geoOrigin
 *   anonymization             policy.anonymization {type, k?, epsilon?}
 *   producerKey               provenance.producer.identityKey
 *   createdAt → dataAge       provenance.createdAt
 *   schemaHash, mimeType      content.schema.schemaHash, content.mimeType
 *   ontologyTags              content.ontologyTags, else the manifest's tags
 *   sizeBytes                 content.sizeBytes
 *   quality                   content.stats {rowCount, nullPercentage, distributionProfileHash, outlierScore, uniquenessRatio}
 *   MLOps                     content.mlops {featureSetId, split, biasScore, driftScore, parentModelId}
 */

export interface Unavailable {
  readonly unavailable: true;
  /** Why, for the evidence: `headers-unavailable`, `timeout`, `no threat feed configured`, … */
  readonly reason: string;
}

/** Marks a fact whose source failed or is not configured. */
export const unavailable = (reason: string): Unavailable => ({ unavailable: true, reason: reason.slice(0, 200) });

/** True for an `Unavailable` marker. */
export function isUnavailable(v: unknown): v is Unavailable {
  return typeof v === 'object' && v !== null && (v as { unavailable?: unknown }).unavailable === true;
}

export type Fact<T> = T | Unavailable | undefined;

export interface LineageFacts {
  /** Ancestor versionIds (the target excluded). */
  readonly versionIds: readonly string[];
  /** Identity keys and producer ids of every ancestor's producer. */
  readonly producers: readonly string[];
  /** Generations walked: 0 for a root version, 1 when it only has parents, … */
  readonly depth: number;
  /** False when a parent is not in the catalog or the walk hit its depth cap. */
  readonly complete: boolean;
}

export interface AnonymizationFact {
  readonly type: string;
  readonly k?: number;
  readonly epsilon?: number;
}

export interface PolicyFacts {
  readonly versionId?: string;
  // SPV / recall
  readonly confirmations?: Fact<number>;
  readonly recalled?: Fact<boolean>;
  // provenance / lineage
  readonly classification?: Fact<string>;
  readonly producerKey?: Fact<string>;
  readonly producerId?: Fact<string>;
  readonly lineage?: Fact<LineageFacts>;
  // compliance
  readonly license?: Fact<string>;
  readonly piiFlags?: Fact<readonly string[]>;
  readonly geoOrigin?: Fact<string>;
  // content
  readonly schemaHash?: Fact<string>;
  readonly mimeType?: Fact<string>;
  readonly ontologyTags?: Fact<readonly string[]>;
  // economics / ops
  readonly pricePerByte?: Fact<number>;
  readonly lineageCostSatoshis?: Fact<number>;
  readonly dataAgeSeconds?: Fact<number>;
  readonly producerUptime?: Fact<number>;
  readonly hasBillingAccount?: Fact<boolean>;
  // quality
  readonly rowCount?: Fact<number>;
  readonly nullPercentage?: Fact<number>;
  readonly distributionProfileHash?: Fact<string>;
  readonly outlierScore?: Fact<number>;
  readonly uniquenessRatio?: Fact<number>;
  // MLOps
  readonly featureSetId?: Fact<string>;
  readonly split?: Fact<string>;
  readonly biasScore?: Fact<number>;
  readonly driftScore?: Fact<number>;
  readonly parentModelId?: Fact<string>;
  // security
  readonly threatFeedMatch?: Fact<boolean>;
  readonly anonymization?: Fact<AnonymizationFact>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strs = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;

/** Facts the manifest itself carries; malformed fields are treated as absent (parse defensively). */
export function factsFromManifest(manifest: unknown, nowMs: number): PolicyFacts {
  const m = obj(manifest) ?? {};
  const policy = obj(m.policy) ?? {};
  const content = obj(m.content) ?? {};
  const provenance = obj(m.provenance) ?? {};
  const stats = obj(content.stats) ?? {};
  const mlops = obj(content.mlops) ?? {};
  const anon = obj(policy.anonymization);
  const created = str(provenance.createdAt);
  const createdMs = created ? Date.parse(created) : NaN;
  return {
    classification: str(policy.classification),
    license: str(policy.license),
    piiFlags: strs(policy.pii_flags) ?? strs(policy.piiFlags),
    geoOrigin: str(policy.geoOrigin) ?? str(provenance.geoOrigin),
    anonymization: anon && str(anon.type) ? { type: str(anon.type)!, k: num(anon.k), epsilon: num(anon.epsilon) } : undefined,
    producerKey: str(obj(provenance.producer)?.identityKey)?.toLowerCase(),
    dataAgeSeconds: Number.isFinite(createdMs) ? Math.max(0, Math.floor((nowMs - createdMs) / 1000)) : undefined,
    schemaHash: str(obj(content.schema)?.schemaHash)?.toLowerCase(),
    mimeType: str(content.mimeType),
    ontologyTags: strs(content.ontologyTags) ?? strs(m.tags),
    rowCount: num(stats.rowCount),
    nullPercentage: num(stats.nullPercentage),
    distributionProfileHash: str(stats.distributionProfileHash)?.toLowerCase(),
    outlierScore: num(stats.outlierScore),
    uniquenessRatio: num(stats.uniquenessRatio),
    featureSetId: str(mlops.featureSetId),
    split: str(mlops.split) ?? str(mlops.splitTag),
    biasScore: num(mlops.biasScore),
    driftScore: num(mlops.driftScore),
    parentModelId: str(mlops.parentModelId),
  };
}

/** Price per byte from a price in satoshis and the manifest's size; absent when either is unknown. */
export function pricePerByteOf(priceSatoshis: number | undefined, manifest: unknown): number | undefined {
  const size = num(obj(obj(manifest)?.content)?.sizeBytes);
  if (priceSatoshis === undefined || size === undefined || size <= 0) return undefined;
  return priceSatoshis / size;
}
