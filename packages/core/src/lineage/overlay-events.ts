/**
 * The seed's deterministic publish/recall events (origin D41 "Deterministic naming"):
 * namespace `overlay:<env>`, `dataset.name = <versionId>`, `job.name = publish::<versionId>`,
 * `run.runId = <txid>` (else sha256(versionId|producedAt)), inputs = the bundle parents,
 * outputs = [versionId]. A recall is a COMPLETE on the same run carrying
 * `run.facets.lifecycleStateChange = {lifecycleState: "RETRACTED"}`; the same facet is put on the
 * output dataset so graph nodes show the retraction. Same input → byte-identical event → same
 * event hash, so re-emitting after a crash is absorbed as a duplicate.
 */
import { z } from 'zod';
import { fail, relativeIssues } from '../errors';
import { sha256Hex } from '../util/hash';
import { normalizeEventTime } from './event-time';
import type { Facets } from './schema';

const Env = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/);
const VersionId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/);
const Txid = z.string().regex(/^[0-9a-f]{64}$/);
const Time = z.string().refine((s) => normalizeEventTime(s) !== null, 'is not an ISO-8601 timestamp');

const Common = {
  env: Env,
  versionId: VersionId,
  txid: Txid.nullish(),
  /** When the version was produced (publish eventTime; the runId fallback uses it). */
  producedAt: Time,
  /** Host used in `producer` / facet `_schemaURL`s. */
  host: z.string().regex(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/).default('localhost'),
};
export const PublishInput = z.object({
  ...Common,
  parents: z.array(VersionId).max(1000).default([]),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/).nullish(),
});
export type PublishInput = z.input<typeof PublishInput>;
export const RecallInput = z.object({ ...Common, recalledAt: Time, reason: z.string().max(256).nullish() });
export type RecallInput = z.input<typeof RecallInput>;

export const RETRACTED = 'RETRACTED';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  // built from stored catalog facts, not from a request: paths relative to the input
  if (!r.success) throw fail.validation(relativeIssues(r.error.issues));
  return r.data;
}

async function runIdFor(i: { versionId: string; txid?: string | null; producedAt: string }): Promise<string> {
  return i.txid ?? sha256Hex(`${i.versionId}|${normalizeEventTime(i.producedAt)}`);
}

function facet(host: string, name: string, body: Record<string, unknown>): Record<string, unknown> {
  return { _producer: `https://${host}/adapter/openlineage/1.0`, _schemaURL: `https://${host}/schemas/v1/${name}.json`, v: '1', ...body };
}

/** The COMPLETE event that declares a published version and its parents. */
export async function publishEvent(input: PublishInput): Promise<Record<string, unknown>> {
  const i = parse(PublishInput, input);
  const namespace = `overlay:${i.env}`;
  const eventTime = normalizeEventTime(i.producedAt)!;
  const parents = [...new Set(i.parents)].filter((p) => p !== i.versionId).sort();
  return {
    eventType: 'COMPLETE',
    eventTime,
    producer: `https://${i.host}/adapter/openlineage/1.0`,
    schemaURL: SCHEMA_URL,
    run: { runId: await runIdFor(i), facets: {} },
    job: { namespace, name: `publish::${i.versionId}`, facets: {} },
    inputs: parents.map((p) => ({ namespace, name: p, facets: {} })),
    outputs: [
      {
        namespace,
        name: i.versionId,
        facets: {
          datasetVersion: facet(i.host, 'datasetVersion', {
            version: i.versionId,
            type: 'dlm1',
            createdAt: eventTime,
            ...(i.contentHash ? { contentHash: i.contentHash } : {}),
          }),
          gitdataProvenance: facet(i.host, 'gitdataProvenance', { parentsCount: parents.length }),
        },
      },
    ],
  };
}

/** The COMPLETE event that marks a published version RETRACTED (the seed's recall). */
export async function recallEvent(input: RecallInput): Promise<Record<string, unknown>> {
  const i = parse(RecallInput, input);
  const namespace = `overlay:${i.env}`;
  const lifecycle = facet(i.host, 'lifecycleStateChange', {
    lifecycleState: RETRACTED,
    ...(i.reason ? { reason: i.reason } : {}),
  });
  return {
    eventType: 'COMPLETE',
    eventTime: normalizeEventTime(i.recalledAt)!,
    producer: `https://${i.host}/adapter/openlineage/1.0`,
    schemaURL: SCHEMA_URL,
    run: { runId: await runIdFor(i), facets: { lifecycleStateChange: lifecycle } },
    job: { namespace, name: `publish::${i.versionId}`, facets: {} },
    inputs: [],
    outputs: [{ namespace, name: i.versionId, facets: { lifecycleStateChange: lifecycle } }],
  };
}

/** True when a dataset's or run's facets carry the RETRACTED lifecycle state. */
export function isRetracted(facets: Facets): boolean {
  return facets.lifecycleStateChange?.lifecycleState === RETRACTED;
}
