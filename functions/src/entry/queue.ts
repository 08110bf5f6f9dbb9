/** Lambda entry for the SQS job consumer (partial batch responses); infra/queue.ts. */
import { queueHandler } from '../platform/lambda';

export const handler = queueHandler(process.env);
