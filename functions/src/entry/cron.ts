/** Lambda entry for scheduled jobs (EventBridge `{ job }`); infra/cron.ts. */
import { cronHandler } from '../platform/lambda';

export const handler = cronHandler(process.env);
