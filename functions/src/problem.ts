/**
 * The one place core errors become HTTP: RFC 9457 problem+json carrying the seed's `error`
 * and `hint` members, plus `requestId`. No stack traces, SQL or secrets ever reach a body.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_CODES, type ErrorCode, type FieldIssue } from '@strata/core/errors';

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  'bad-request': 400,
  'validation-failed': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
  'invalid-envelope': 409,
  'incomplete-lineage': 409,
  'policy-not-found': 404,
  'quote-expired': 410,
  'template-mismatch': 409,
  'already-consumed': 409,
  'content-mismatch': 409,
  'quota-exceeded': 409,
  expired: 403,
  'invalid-signature': 401,
  'nonce-replayed': 401,
  'invalid-state': 409,
  'broadcast-rejected': 422,
};

const TITLES: Partial<Record<ErrorCode, string>> = {
  'bad-request': 'Bad request',
  'validation-failed': 'Validation failed',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

export const Problem = z
  .object({
    type: z.string().openapi({ example: 'urn:strata:problem:not-found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    error: z.enum(ERROR_CODES),
    hint: z.string().optional(),
    requestId: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof Problem>;

export interface ProblemInput {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly hint?: string;
  readonly issues?: readonly FieldIssue[];
  readonly retryAfterSec?: number;
}

/** Builds the problem+json response for `p`. */
export function problem(c: Context, p: ProblemInput): Response {
  const status = STATUS[p.code];
  const body: Problem = {
    type: `urn:strata:problem:${p.code}`,
    title: TITLES[p.code] ?? p.code.replace(/-/g, ' '),
    status,
    detail: p.detail,
    instance: new URL(c.req.url).pathname,
    error: p.code,
    requestId: (c.get('requestId') as string | undefined) ?? '',
  };
  if (p.hint) body.hint = p.hint;
  if (p.issues?.length) body.issues = [...p.issues];
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (p.retryAfterSec !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(p.retryAfterSec)));
  // through the context, so headers set earlier (request id, rate limits) are kept
  return c.body(JSON.stringify(body), status, headers);
}

/** zod issues → field issues with the request part as prefix (`query.limit`, `body.manifest.name`). */
export function fieldIssues(target: string, issues: readonly { path: PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.map((i) => ({
    path: [target, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
}

/** OpenAPI response entries for the error statuses a route can return. */
export function errorResponses(...statuses: ContentfulStatusCode[]) {
  const out: Record<number, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }> = {};
  for (const s of [400, 429, 500, ...statuses]) {
    out[s] = { description: `Problem (${s})`, content: { 'application/problem+json': { schema: Problem } } };
  }
  return out;
}
