/** Lambda entry for the HTTP API (API Gateway v2 / function URL); infra/api.ts. */
import { httpHandler } from '../platform/lambda';

export const handler = httpHandler(process.env);
