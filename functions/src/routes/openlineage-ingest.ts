/**
 * OpenLineage ingest: `POST /api/v1/lineage` (one event — the path, bearer auth and JSON body
 * the OpenLineage HTTP transport sends, gzip included) and `POST /api/v1/lineage/batch`
 * (an array, per-event results, partial success).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { issuesAt, StrataError } from '@strata/core/errors';
import { BatchAck, type IngestReport } from '@strata/core/lineage/schema';
import { ingestLineage } from '@strata/core/lineage/service';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { errorResponses } from '../problem';
import { OPENLINEAGE_EVENT } from '../openapi/document';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

export const LINEAGE_PATH = '/api/v1/lineage';
export const LINEAGE_BATCH_PATH = '/api/v1/lineage/batch';
/** Decompressed size cap of a batch body (the global BODY_LIMIT_BYTES does not apply to /batch). Lambda still caps the wire body at 6 MB. */
export const OL_BATCH_MAX_BYTES = 8 * 1024 * 1024;

/** What a body over its cap is told: which limit it met and what raises it. */
export interface BodyCap {
  readonly bytes: number;
  /** e.g. `BODY_LIMIT_BYTES (1048576 bytes)`. */
  readonly name: string;
  readonly hint: string;
}

const IngestAck = z
  .object({ status: z.enum(['stored', 'duplicate', 'queued']), eventHash: z.string(), duplicate: z.boolean() })
  .openapi('LineageIngestAck');
components({ LineageBatchAck: BatchAck });

const single = createRoute({
  method: 'post',
  path: LINEAGE_PATH,
  tags: ['lineage'],
  summary: 'Ingest one OpenLineage event',
  description:
    'The endpoint an OpenLineage HTTP transport posts to (`url` = this server, `endpoint` = `api/v1/lineage`, `auth` = the ingest token). Takes one RunEvent, JobEvent or DatasetEvent as JSON, plain or `Content-Encoding: gzip`, at most `OL_MAX_EVENT_BYTES`. The event is stored as received (its hash is the SHA-256 of its RFC 8785 canonical JSON, so a re-sent event is a `duplicate`), and its datasets, job, run and edges are derived from it. With `LINEAGE_INGEST_MODE=async` it is validated, queued and answered 202. An invalid event answers 400 `validation-failed` with every issue under `body.`.',
  security: SECURITY.ingest,
  // read by the route itself (gzip, its own size cap, json-guard): the parsing edge leaves it alone
  'x-strata-raw-body': true,
  middleware: [requireToken('ingest')] as const,
  request: { body: { required: true, description: 'One OpenLineage event (JSON; gzip accepted).', content: { 'application/json': { schema: OPENLINEAGE_EVENT } } } },
  responses: {
    201: { description: 'Stored (or a duplicate of a stored event)', content: { 'application/json': { schema: IngestAck } } },
    202: { description: 'Validated and queued (LINEAGE_INGEST_MODE=async)', content: { 'application/json': { schema: IngestAck } } },
    ...errorResponses('unauthorized', 413, 415, 503),
  },
});
const batch = createRoute({
  method: 'post',
  path: LINEAGE_BATCH_PATH,
  tags: ['lineage'],
  summary: 'Ingest an array of OpenLineage events (per-event results, partial success)',
  description:
    'Many events in one request: a JSON array, or `{"events": [...]}`, plain or gzip, at most 8 MiB decompressed. Each event is validated and stored on its own: valid ones are stored even when others are not (`status: partial`, each result naming its `index` and its issues). Only when no event is valid does the request fail (400 `validation-failed`, issues under `body.<index>.`).',
  security: SECURITY.ingest,
  'x-strata-raw-body': true,
  middleware: [requireToken('ingest')] as const,
  request: {
    body: {
      required: true,
      description: 'OpenLineage events (JSON; gzip accepted).',
      content: {
        'application/json': {
          schema: {
            oneOf: [
              { type: 'array', items: OPENLINEAGE_EVENT, minItems: 1 },
              { type: 'object', properties: { events: { type: 'array', items: OPENLINEAGE_EVENT, minItems: 1 } }, required: ['events'] },
            ],
          },
        },
      },
    },
  },
  responses: {
    200: { description: 'Stored; see each result', content: { 'application/json': { schema: BatchAck } } },
    202: { description: 'Some events queued (LINEAGE_INGEST_MODE=async)', content: { 'application/json': { schema: BatchAck } } },
    ...errorResponses('unauthorized', 413, 415, 503),
  },
});

const BODY_ISSUE = (message: string) => [{ path: 'body', message }];

async function readCapped(stream: ReadableStream<Uint8Array>, cap: BodyCap, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > cap.bytes) {
      await reader.cancel().catch(() => undefined);
      throw new StrataError('payload-too-large', `The ${what} exceeds ${cap.name}.`, { hint: cap.hint });
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.byteLength));
  return out;
}

/** The JSON body, gunzipped when sent with `Content-Encoding: gzip`, never more than `cap` bytes either way. */
export async function readJsonBody(c: Context<AppEnv>, cap: BodyCap): Promise<unknown> {
  const type = (c.req.header('content-type') ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new StrataError('unsupported-media-type', `Content-Type ${type} is not accepted.`, { hint: 'Send Content-Type: application/json.', issues: [{ path: 'header.content-type', message: 'must be application/json' }] });
  }
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new StrataError('unsupported-media-type', `Content-Encoding ${encoding} is not accepted.`, { hint: 'Send the body plain or gzip-compressed.', issues: [{ path: 'header.content-encoding', message: 'must be identity or gzip' }] });
  }
  const raw = c.req.raw.body;
  if (!raw) throw new StrataError('bad-request', 'The request has no body.', { hint: 'Send an OpenLineage event as JSON.', issues: BODY_ISSUE('is required') });
  let bytes: Uint8Array;
  if (encoding === 'gzip') {
    const compressed = await readCapped(raw, cap, 'request body');
    const inflated = new Blob([compressed as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    try {
      bytes = await readCapped(inflated, cap, 'decompressed body');
    } catch (e) {
      if (e instanceof StrataError) throw e;
      throw new StrataError('bad-request', 'The gzip body could not be decompressed.', { hint: 'Check Content-Encoding.', issues: BODY_ISSUE('is not valid gzip') });
    }
  } else {
    bytes = await readCapped(raw, cap, 'request body');
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new StrataError('bad-request', 'The body is not valid UTF-8 JSON.', { hint: 'Send an OpenLineage event as JSON.', issues: BODY_ISSUE('is not valid UTF-8 JSON') });
  }
}

/**
 * The single-event body cap: BODY_LIMIT_BYTES (the global limit, applied here so the refusal can
 * say which setting to raise). The event itself is then held to OL_MAX_EVENT_BYTES.
 */
function singleCap(config: { BODY_LIMIT_BYTES: number; OL_MAX_EVENT_BYTES: number }): BodyCap {
  const { BODY_LIMIT_BYTES: body, OL_MAX_EVENT_BYTES: event } = config;
  return {
    bytes: body,
    name: `BODY_LIMIT_BYTES (${body} bytes)`,
    hint:
      event > body
        ? `Events may be up to OL_MAX_EVENT_BYTES (${event} bytes), but BODY_LIMIT_BYTES binds first: raise BODY_LIMIT_BYTES to accept larger events.`
        : `Raise BODY_LIMIT_BYTES and OL_MAX_EVENT_BYTES (now ${event} bytes) to accept larger events.`,
  };
}

const BATCH_CAP: BodyCap = {
  bytes: OL_BATCH_MAX_BYTES,
  name: `the batch body cap (${OL_BATCH_MAX_BYTES} bytes)`,
  hint: 'Send fewer or smaller events per request (an event larger than this goes to POST /api/v1/lineage alone).',
};

function batchBody(r: IngestReport): BatchAck {
  return { status: r.invalid > 0 ? 'partial' : 'ok', stored: r.stored, duplicates: r.duplicates, queued: r.queued, invalid: r.invalid, results: r.results };
}

export function registerLineage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(single, async (c) => {
    const deps = c.get('deps');
    const event = await readJsonBody(c, singleCap(deps.config));
    if (Array.isArray(event)) throw new StrataError('bad-request', 'This endpoint takes one event.', { hint: `POST arrays to ${LINEAGE_BATCH_PATH}.`, issues: BODY_ISSUE('must be one event, not an array') });
    const report = await ingestLineage({ deps, ctx: c.get('ctx'), input: { events: [event] } });
    const r = report.results[0]!;
    if (r.status === 'rejected') {
      throw new StrataError('validation-failed', 'The OpenLineage event is not valid; see `issues`.', {
        issues: issuesAt(['body'], r.issues ?? []),
      });
    }
    const ack = { status: r.status, eventHash: r.eventHash!, duplicate: r.duplicate ?? false };
    return r.status === 'queued' ? c.json(ack, 202) : c.json(ack, 201);
  });

  app.openapi(batch, async (c) => {
    const deps = c.get('deps');
    const parsed = await readJsonBody(c, BATCH_CAP);
    const events = Array.isArray(parsed) ? parsed : (parsed as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) throw new StrataError('bad-request', 'The body must be a JSON array of events (or {"events": [...]}).', { issues: BODY_ISSUE('must be an array of events') });
    if (events.length === 0) throw new StrataError('validation-failed', 'The batch is empty.', { issues: [{ path: 'body', message: 'must hold at least one event' }] });
    const report = await ingestLineage({ deps, ctx: c.get('ctx'), input: { events } });
    if (report.invalid === events.length) {
      throw new StrataError('validation-failed', 'No event in the batch is valid; see `issues`.', {
        issues: report.results.flatMap((r) => issuesAt(Array.isArray(parsed) ? ['body', r.index] : ['body', 'events', r.index], r.issues ?? [])),
      });
    }
    return report.queued > 0 ? c.json(batchBody(report), 202) : c.json(batchBody(report), 200);
  });
}
