/**
 * SQS queue: Lambda event parsing and partial batch responses on real event shapes, and `send`
 * through the real @aws-sdk/client-sqs against a local JSON-protocol endpoint.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsQueue, fromSqsEvent, packBatches, parseSqsEvent, toBatchItemFailures } from '@strata/core/adapters/queue/sqs';
import type { Job } from '@strata/core/ports/queue';
import { startSqsServer, type SqsServer } from '../support/sqs-server';

/** A record as Lambda delivers it (shape from the AWS Lambda SQS event documentation). */
function record(messageId: string, body: string, receiveCount = '1'): SQSRecord {
  return {
    messageId,
    receiptHandle: 'MessageReceiptHandle',
    body,
    attributes: {
      ApproximateReceiveCount: receiveCount,
      SentTimestamp: '1523232000000',
      SenderId: '123456789012',
      ApproximateFirstReceiveTimestamp: '1523232000001',
    },
    messageAttributes: {},
    md5OfBody: '7b270e59b47ff90a553787216d55d91d',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:strata-jobs',
    awsRegion: 'us-east-1',
  };
}

const ingest = JSON.stringify({ type: 'lineage.ingest', payload: { eventId: 'e1' } });

describe('Lambda SQS event helpers', () => {
  it('maps records to deliveries: message id, job, receive count as attempt', () => {
    const event: SQSEvent = { Records: [record('m-1', ingest), record('m-2', JSON.stringify({ type: 'outbox.sweep', payload: null }), '3')] };
    expect(fromSqsEvent(event)).toEqual([
      { id: 'm-1', job: { type: 'lineage.ingest', payload: { eventId: 'e1' } }, attempt: 1 },
      { id: 'm-2', job: { type: 'outbox.sweep', payload: null }, attempt: 3 },
    ]);
  });

  it('sets malformed bodies aside instead of failing the batch', () => {
    const event: SQSEvent = { Records: [record('ok', ingest), record('not-json', '{oops'), record('bad-type', JSON.stringify({ type: 'rm -rf', payload: 1 }))] };
    const { deliveries, malformed } = parseSqsEvent(event);
    expect(deliveries.map((d) => d.id)).toEqual(['ok']);
    expect(malformed.map((m) => m.messageId)).toEqual(['not-json', 'bad-type']);
    expect(malformed[0]!.error).toMatch(/not JSON/);
  });

  it('refuses events that are not from SQS', () => {
    expect(() => fromSqsEvent({ Records: [{ ...record('x', ingest), eventSource: 'aws:s3' }] })).toThrow(/Not an SQS event/);
    expect(() => fromSqsEvent({ detail: {} })).toThrow();
  });

  it('reports only failed, missing-outcome and malformed messages as batch item failures', () => {
    const event: SQSEvent = { Records: ['a', 'b', 'c', 'd'].map((id) => record(id, ingest)).concat(record('junk', 'x')) };
    const { deliveries, malformed } = parseSqsEvent(event);
    const res = toBatchItemFailures(deliveries, [{ ok: true }, { ok: false, error: 'boom' }, { ok: false, error: 'fatal', retryable: false }], malformed);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }, { itemIdentifier: 'd' }, { itemIdentifier: 'junk' }] });
    expect(toBatchItemFailures(deliveries, deliveries.map(() => ({ ok: true })))).toEqual({ batchItemFailures: [] });
  });

  it('packs at most 10 entries and 256 KiB per batch', () => {
    expect(packBatches(Array.from({ length: 23 }, () => 'x')).map((b) => b.length)).toEqual([10, 10, 3]);
    const big = 'y'.repeat(100_000);
    expect(packBatches([big, big, big, 'z']).map((b) => b.length)).toEqual([2, 2]);
    expect(() => packBatches(['w'.repeat(262_145)])).toThrow(/256 KiB/);
  });
});

describe('SqsQueue.send through @aws-sdk/client-sqs', () => {
  let srv: SqsServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });
  const open = (s: SqsServer) =>
    createSqsQueue({ queueUrl: s.queueUrl, region: 'us-east-1', endpoint: s.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const jobs = (n: number): Job[] => Array.from({ length: n }, (_, i) => ({ type: 'cache.invalidate', payload: { i } }));

  it('sends 23 jobs in 3 SendMessageBatch calls, bodies intact', async () => {
    srv = await startSqsServer();
    await open(srv).send(jobs(23));
    expect(srv.calls()).toBe(3);
    expect(srv.received.map((b) => JSON.parse(b).payload.i).sort((a, b) => a - b)).toEqual([...Array(23).keys()]);
    expect(JSON.parse(srv.received[0]!)).toMatchObject({ type: 'cache.invalidate' });
  });

  it('retries failed entries once and succeeds when the retry goes through', async () => {
    const failedOnce = new Set<string>();
    srv = await startSqsServer({ failEntry: (b) => b.includes('"i":4') && !failedOnce.has(b) && !!failedOnce.add(b) });
    await open(srv).send(jobs(6));
    expect(srv.calls()).toBe(2);
    expect(srv.received).toHaveLength(6);
  });

  it('throws naming the entries that still fail after the retry', async () => {
    srv = await startSqsServer({ failEntry: (b) => b.includes('"i":2') });
    await expect(open(srv).send(jobs(5))).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/refused 1 message.*m2 \(InternalError/) });
    expect(srv.received).toHaveLength(4);
  });

  it('surfaces service errors as unavailable', async () => {
    srv = await startSqsServer();
    const q = createSqsQueue({ queueUrl: `${srv.endpoint}/000000000000/missing`, region: 'us-east-1', endpoint: srv.endpoint, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    await expect(q.send(jobs(1))).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/does not exist/) });
  });
});
