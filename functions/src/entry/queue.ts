/** Lambda entry for the SQS job consumer (partial batch responses); infra/queue.ts. */
// first: V8 settings before anything else is loaded (ADR 0063)
import '../platform/v8-tuning';
import { queueHandler } from '../platform/lambda';

export const handler = queueHandler(process.env);
