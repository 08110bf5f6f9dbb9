/** Lambda entry that applies migrations during a deploy; infra/migrations.ts copies them next to the handler. */
import { join } from 'node:path';
import { migrateHandler } from '../platform/lambda';

export const handler = migrateHandler(process.env, join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'migrations'));
