/** Lambda entry for scheduled jobs (EventBridge `{ job }`); infra/cron.ts. */
// first: V8 settings before anything else is loaded (ADR 0063)
import '../platform/v8-tuning';
import { cronHandler } from '../platform/lambda';

export const handler = cronHandler(process.env);
