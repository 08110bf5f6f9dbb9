/**
 * A tiny SQS endpoint speaking the AWS JSON 1.0 protocol @aws-sdk/client-sqs uses — only
 * SendMessageBatch, enough to drive `createSqsQueue().send` through the real client (its
 * serializer, MD5 response validation and error parsing). It enforces SQS's batch limits
 * (≤ 10 entries, distinct ids, ≤ 256 KiB) and can fail chosen entries to test partial failures.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsServer {
  readonly endpoint: string;
  readonly queueUrl: string;
  /** Bodies accepted so far, in arrival order. */
  readonly received: string[];
  /** Number of SendMessageBatch calls served. */
  readonly calls: () => number;
  close(): Promise<void>;
}

export interface SqsServerOptions {
  /** Return true to report this entry as Failed (called once per entry per request). */
  failEntry?: (body: string) => boolean;
}

interface Entry {
  Id: string;
  MessageBody: string;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(json) }).end(json);
}

function clientError(res: http.ServerResponse, type: string, message: string): void {
  reply(res, 400, { __type: `com.amazonaws.sqs#${type}`, message });
}

/** Starts the endpoint on 127.0.0.1 (ephemeral port). */
export async function startSqsServer(opts: SqsServerOptions = {}): Promise<SqsServer> {
  const received: string[] = [];
  let calls = 0;
  let queueUrl = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      if (target !== 'AmazonSQS.SendMessageBatch') return clientError(res, 'UnsupportedOperation', `not served here: ${String(target)}`);
      calls++;
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { QueueUrl?: string; Entries?: Entry[] };
      if (input.QueueUrl !== queueUrl) return clientError(res, 'QueueDoesNotExist', 'The specified queue does not exist.');
      const entries = input.Entries ?? [];
      if (entries.length === 0) return clientError(res, 'EmptyBatchRequest', 'There should be at least one entry in the request.');
      if (entries.length > 10) return clientError(res, 'TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
      if (new Set(entries.map((e) => e.Id)).size !== entries.length) return clientError(res, 'BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id.');
      const total = entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0);
      if (total > 262_144) return clientError(res, 'BatchRequestTooLong', 'Batch requests cannot be longer than 262144 bytes.');
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of entries) {
        if (opts.failEntry?.(e.MessageBody)) {
          Failed.push({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'injected failure' });
          continue;
        }
        received.push(e.MessageBody);
        Successful.push({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') });
      }
      reply(res, 200, { Successful, Failed });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  queueUrl = `${endpoint}/000000000000/strata-jobs`;
  return {
    endpoint,
    queueUrl,
    received,
    calls: () => calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
