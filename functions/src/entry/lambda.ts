/** Lambda entry for the HTTP API (API Gateway v2 / function URL); infra/api.ts. */
// first: V8 settings before anything else is loaded (ADR 0063)
import '../platform/v8-tuning';
import { httpHandler } from '../platform/lambda';

export const handler = httpHandler(process.env);
