/** Queue adapters; all runtime-neutral (no node:* imports). */
export { createMemoryQueue, defaultBackoff, type MemoryQueue, type MemoryQueueOptions, type Schedule } from './memory';
export { createSqsQueue, fromSqsEvent, parseSqsEvent, toBatchItemFailures, packBatches, SqsQueueOptions, type MalformedMessage } from './sqs';
export { JOB_TYPES, JobSchema } from './job';
