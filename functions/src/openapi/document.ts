/**
 * The OpenAPI document's frame: title, the description of what is built, tags, security
 * schemes and the request-body schemas that core validates itself (the DLM1 manifest, the D28
 * policy document, OpenLineage events). Operations describe themselves where they are defined
 * (routes/*.ts); schemas carry their field descriptions where they are defined (core, zod
 * `.meta()`), so the document cannot drift from what is checked.
 *
 * To describe a new area: add a tag to TAGS (its description is shown in the reference) and,
 * when it changes how clients authenticate or what they must know first, a paragraph to
 * INTRO. Describe only what this build serves.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { Manifest } from '@strata/core/catalog/manifest';
import { DatasetEventSchema, JobEventSchema, RunEventSchema } from '@strata/core/lineage/schema';
import { Policy } from '@strata/core/policy/schema';
import type { AppEnv } from '../env';
import { registerSecuritySchemes } from './security';

export const API_TITLE = 'Strata API';
export const API_VERSION = '0.1.0';

/** One entry per area the build serves, in the order the reference lists them. */
export const TAGS: { name: string; description: string }[] = [
  {
    name: 'catalog',
    description:
      'Publish dataset and model versions (a DLM1 declaring transaction plus its off-chain manifest), attach SPV proofs, and read listings, producers and agents. Reads are public, cached and answer `If-None-Match` with 304.',
  },
  {
    name: 'lineage',
    description:
      'OpenLineage ingest (point an OpenLineage HTTP transport at `/api/v1/lineage` with the ingest token) and the lineage graph, dataset, job, run and search reads.',
  },
  { name: 'trust', description: 'Block headers, SPV-verified lineage bundles, readiness decisions and advisories (recalls).' },
  { name: 'policies', description: 'D28 policies: stored documents (admin writes, public reads) and their evaluation against a version.' },
  { name: 'operations', description: 'Health, Prometheus metrics, dead-letter replay and the presigned blob route of the embedded store.' },
  { name: 'reference', description: 'This reference, the OpenAPI document and the error codes.' },
];

const INTRO = [
  'The storage and API layer of a governed data marketplace: a catalog of dataset and model versions, their OpenLineage lineage, SPV-backed trust decisions and D28 policies, payments for access (prices, receipts, quotes, payment submission and confirmation) and delivery of the bytes (checksum-bound uploads, presigned downloads against a receipt).',
  '**Authentication.** Reads are public (rate limited per client). Admin operations take `Authorization: Bearer <admin token>`; OpenLineage ingest takes the ingest token (or the admin token); producer, agent, price and upload writes are identity-signed (`X-Identity-Key`, `X-Timestamp`, `X-Nonce`, `X-Signature`; docs/identity-signing.md). Each operation names its security requirement; a local server writes its generated tokens to `.strata/tokens.json`.',
  '**Errors.** Every error is RFC 9457 problem+json whose `type` points at the code’s entry in [/docs/errors](/docs/errors) (what it means, what to do); `error` carries the code and `requestId` the request id.',
  '**Caching.** Cached reads carry `ETag`, `Cache-Control` and `X-Cache` (`hit`, `miss`, `stale`); send `If-None-Match` for a 304.',
];

export function apiDescription(): string {
  return INTRO.join('\n\n');
}

/**
 * Bodies whose route reads them raw (lineage ingest: gzip, size caps) or whose member core
 * validates after a looser check (the manifest in /submit, the policy document in /policies:
 * those members link here with `.meta({ allOf: [{ $ref }] })` in core): documented by the core
 * schema itself under these names.
 */
export const BODY_SCHEMAS = {
  DLM1Manifest: Manifest,
  PolicyDocument: Policy,
  OpenLineageRunEvent: RunEventSchema,
  OpenLineageJobEvent: JobEventSchema,
  OpenLineageDatasetEvent: DatasetEventSchema,
} as const;
export type BodySchemaName = keyof typeof BODY_SCHEMAS;

/** A reference to a registered schema. */
export const schemaRef = (name: BodySchemaName | 'Problem') => ({ $ref: `#/components/schemas/${name}` });

/** Any one OpenLineage event, as `POST /api/v1/lineage` takes it. */
export const OPENLINEAGE_EVENT = {
  oneOf: [schemaRef('OpenLineageRunEvent'), schemaRef('OpenLineageJobEvent'), schemaRef('OpenLineageDatasetEvent')],
  description: 'A RunEvent (has `run`), a JobEvent (has `job`, no `run`) or a DatasetEvent (has `dataset` only).',
};

/**
 * JSON Schema of what a core schema accepts, by zod itself (descriptions and examples from
 * `.meta()`). Converted here rather than registered as zod: core's zod and the one zod-openapi
 * extends may be two instances of the package (ESM and CommonJS) in one process.
 */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return json;
}

export function registerReferenceComponents(app: OpenAPIHono<AppEnv>): void {
  registerSecuritySchemes(app);
  for (const [name, schema] of Object.entries(BODY_SCHEMAS)) app.openAPIRegistry.registerComponent('schemas', name, inputJsonSchema(schema) as never);
}

/** The whole document (OpenAPI 3.1). */
export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: API_TITLE, version: API_VERSION, description: apiDescription() },
    tags: TAGS,
  });
}
