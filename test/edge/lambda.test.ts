/**
 * The Lambda entries (functions/src/entry/{lambda,queue,cron,migrate}.ts, the names infra/
 * references) invoked with real event shapes — API Gateway v2 / function URL, an SQS batch,
 * EventBridge Scheduler input — against local PostgreSQL (Neon bridge), Redis (Upstash
 * bridge), s3rver and an SQS endpoint. Each entry reads process.env once at import, as on Lambda.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildLambdas, bundledInputs, lambdaOut } from '../../functions/build';
import { swaggerUiFiles } from '../../functions/docs';
import { fixture } from '../support/lineage-harness';
import { ingestAuth } from '../support/deps';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';
import { startSqsServer, type SqsServer } from '../support/sqs-server';
import { startEdgeServices, type EdgeServices } from './services';

const context = { functionName: 'strata-test', awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** A function-URL / HTTP API (payload 2.0) event. */
function httpEvent(method: string, path: string, o: { body?: string; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc.lambda-url.us-east-1.on.aws', 'user-agent': 'edge-test', ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.5', userAgent: 'edge-test' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(o.body ? { body: o.body } : {}),
    isBase64Encoded: false,
  };
}

/** What Lambda's SQS event source mapping delivers for these bodies. */
function sqsEvent(bodies: readonly string[], receiveCount = 1): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: `rh-${randomUUID()}`,
      body,
      attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: String(Date.now()), SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:jobs',
      awsRegion: 'us-east-1',
    })),
  };
}

type HttpHandler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;

it('the Lambda bundle carries the swagger-ui assets /docs serves', async () => {
  const meta = await buildLambdas();
  expect(bundledInputs(meta, lambdaOut('lambda')).filter((p) => p.endsWith('functions/src/docs/swagger-ui.generated.ts'))).toHaveLength(1);
}, 120_000);

await describeWith(['postgres', 'redis'], 'Lambda handlers against the local services', () => {
  let svc: EdgeServices;
  let sqs: SqsServer;
  let http: HttpHandler;
  let queue: (e: unknown) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  let cron: (e: unknown) => Promise<{ runs: { job: string; status: string }[] }>;
  const saved = { ...process.env };

  beforeAll(async () => {
    svc = await startEdgeServices({ LINEAGE_INGEST_MODE: 'async' });
    sqs = await startSqsServer();
    Object.assign(process.env, svc.env, {
      QUEUE_URL: sqs.queueUrl,
      QUEUE_ENDPOINT: sqs.endpoint,
      QUEUE_REGION: 'us-east-1',
      // the SQS client's credentials come from the role on Lambda; here from the environment
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    http = (await import('@strata/functions/entry/lambda')).handler as unknown as HttpHandler;
    queue = (await import('@strata/functions/entry/queue')).handler;
    cron = (await import('@strata/functions/entry/cron')).handler;
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await sqs?.close();
    await svc?.close();
  });

  it('HTTP: /health over API Gateway v2 names the Lambda tiers', async () => {
    const r = await http(httpEvent('GET', '/health'), context);
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body!);
    expect(body.failing).toEqual([]);
    expect(JSON.stringify(body)).toMatch(/neon-http/);
    expect(JSON.stringify(body)).toMatch(/sqs/);
  });

  it('HTTP: /docs and its swagger-ui assets come out of the function whole (no CDN, text bodies intact)', async () => {
    const page = await http(httpEvent('GET', '/docs'), context);
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-security-policy']).toContain("script-src 'self'");
    const assets = [...page.body!.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(3);
    const { js, css } = swaggerUiFiles();
    const body = async (path: string) => {
      const r = await http(httpEvent('GET', path), context);
      expect(r.statusCode, path).toBe(200);
      return r.isBase64Encoded ? Buffer.from(r.body!, 'base64').toString('utf8') : r.body!;
    };
    expect(await body(assets.find((a) => a.endsWith('swagger-ui-bundle.js'))!)).toBe(js);
    expect(await body(assets.find((a) => a.endsWith('swagger-ui.css'))!)).toBe(css);
  });

  it('HTTP → SQS → consumer: an async OpenLineage event is queued, consumed and stored; a bad message fails alone', async () => {
    const ev = (await fixture('marquez-repo/apples/1_pick_apples.json')) as { run: { runId: string } };
    const sentBefore = sqs.received.length;
    const r = await http(httpEvent('POST', '/api/v1/lineage', { body: JSON.stringify(ev), headers: ingestAuth }), context);
    expect(r.statusCode).toBe(202);
    const bodies = sqs.received.slice(sentBefore).filter((b) => JSON.parse(b).type === 'lineage.ingest');
    expect(bodies.length).toBe(1);

    const event = sqsEvent([...bodies, 'not json', JSON.stringify({ type: 'no.such.job', payload: {} })]);
    const res = await queue(event);
    const failed = res.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed).toEqual([event.Records[1]!.messageId, event.Records[2]!.messageId]);
    const n = await svc.pg.query('SELECT count(*)::int AS n FROM ol_events WHERE run_id = $1', [ev.run.runId]);
    expect(n.rows[0].n).toBe(1);
  });

  it('SQS consumer: a job failing on its last receive is recorded as a dead letter and still reported', async () => {
    const body = JSON.stringify({ type: 'lineage.ingest', payload: { nope: true } });
    const event = sqsEvent([body], 5);
    const res = await queue(event);
    const id = event.Records[0]!.messageId;
    const dl = await svc.pg.query('SELECT job_type, attempts FROM dead_letters WHERE id = $1', [id]);
    expect(dl.rows).toEqual([{ job_type: 'lineage.ingest', attempts: 5 }]);
    // the lineage consumer calls a malformed payload non-retryable: acked once recorded
    expect(res.batchItemFailures).toEqual([]);
  });

  it('cron: EventBridge Scheduler `{ job }` runs the job; the classic scheduled-event shape works too', async () => {
    await svc.pg.query(`INSERT INTO cache_outbox (keys, tags) VALUES ('{}', ARRAY['listings'])`);
    const r = await cron({ job: 'outbox-sweep' });
    expect(r.runs).toEqual([expect.objectContaining({ job: 'outbox-sweep', status: 'ok' })]);
    const pending = await svc.pg.query('SELECT count(*)::int AS n FROM cache_outbox WHERE applied_at IS NULL');
    expect(pending.rows[0].n).toBe(0);

    const classic = await cron({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: { job: 'receipt-reconcile' } });
    expect(classic.runs).toEqual([expect.objectContaining({ job: 'receipt-reconcile', status: 'ok' })]);
  });

  it('cron: an unknown job or a non-scheduler event fails the invocation', async () => {
    await expect(cron({ job: 'make-coffee' })).rejects.toThrow(/Unknown scheduled job/);
    await expect(cron({ Records: [] })).rejects.toThrow(/Not a scheduler event/);
  });
});

await describeWith(['postgres'], 'Lambda migrator and configuration errors', () => {
  let db: TestDatabase;
  const saved = { ...process.env };
  beforeAll(async () => {
    db = await createTestDatabase('strata_mig');
  });
  afterAll(async () => {
    process.env = saved;
    await db?.drop();
  });

  it('migrate.handler applies every migration from ./migrations once, then nothing', async () => {
    // the Migrator's environment: DATABASE_URL and STAGE only (infra/environment.ts databaseEnvironment)
    Object.assign(process.env, { DATABASE_URL: db.url, STAGE: 'edge-test', SQL_DRIVER: 'pg' });
    const { handler } = await import('@strata/functions/entry/migrate');
    const first = await handler({ source: 'deploy', migrationsHash: 'x' });
    expect(first.applied).toContain('0001_cache_outbox.sql');
    expect((await handler({ source: 'deploy' })).applied).toEqual([]);
  });

  it('a Lambda without DATABASE_URL answers 503 problem+json naming it', async () => {
    const { httpHandler } = await import('@strata/functions/platform/lambda');
    const handler = httpHandler({ ADMIN_TOKEN: 'a'.repeat(20), INGEST_TOKEN: 'b'.repeat(20), QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q', S3_BUCKET: 'strata-x', LOG_LEVEL: 'silent' });
    const r = await handler(httpEvent('GET', '/health'), context);
    expect(r).toMatchObject({ statusCode: 503 });
    const body = JSON.parse((r as APIGatewayProxyStructuredResultV2).body!);
    expect(body.error).toBe('unavailable');
    expect(JSON.stringify(body.issues)).toMatch(/DATABASE_URL is required/);
  });
});
