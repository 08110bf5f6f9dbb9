/**
 * The one place core errors become HTTP: RFC 9457 problem+json carrying the seed's `error`
 * and `hint` members, plus `requestId`. No stack traces, SQL or secrets ever reach a body.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_DOCS } from '@strata/core/error-docs';
import { ERROR_CODES, type ErrorCode, type FieldIssue } from '@strata/core/errors';

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  'bad-request': 400,
  'validation-failed': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
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

/** A problem's `type`: the code's entry in the served error reference (docs/errors.md in the repository). */
export const problemType = (code: ErrorCode): string => `/docs/errors#${code}`;

export const Problem = z
  .object({
    type: z.string().openapi({ description: 'URI reference of the error code’s documentation (what it means, what to do).', example: problemType('not-found') }),
    title: z.string().openapi({ description: 'Short title of the error code.', example: 'Not found' }),
    status: z.number().int().openapi({ description: 'The HTTP status, repeated.', example: 404 }),
    detail: z.string().openapi({ description: 'What went wrong in this request; safe to show to a user.', example: 'No version has this id.' }),
    instance: z.string().openapi({ description: 'The request path.', example: '/listings/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }),
    error: z.enum(ERROR_CODES).openapi({ description: 'The error code; documented at `type`.' }),
    hint: z.string().optional().openapi({ description: 'A machine-readable or short human hint (which check failed, what to send instead).', example: 'versionId not found' }),
    requestId: z.string().openapi({ description: 'The request id (also the `X-Request-Id` header); the server log has the details under it.', example: '7d3c1a5e-0f2b-4c1e-9a59-2f0d4b1c6e8a' }),
    issues: z
      .array(z.object({ path: z.string().openapi({ example: 'body.manifest.content.contentHash' }), message: z.string().openapi({ example: 'must be 64 hex characters' }) }))
      .optional()
      .openapi({ description: 'For `validation-failed` (and other 4xx naming a field): every invalid field, by where it sits in the request — `body.<path>` (`body.manifest.content.contentHash`, `body.policy.minConfs`), `query.<name>`, `path.<param>` or `header.<name>`.' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details, with the `error` code and `hint` members kept from the seed API.' });
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
    type: problemType(p.code),
    title: TITLES[p.code] ?? ERROR_DOCS[p.code].title,
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

/** The built error codes answered with `status` (reserved codes no endpoint returns are left out). */
export function codesFor(status: number): ErrorCode[] {
  return ERROR_CODES.filter((c) => STATUS[c] === status);
}

/**
 * OpenAPI response entries for the errors a route can return, each naming its codes and their
 * documentation. A status stands for every built code it carries; a code narrows its status to
 * the codes given (`errorResponses('unauthorized', 404)`). 400 and 500 are always possible.
 */
export function errorResponses(...items: (ContentfulStatusCode | ErrorCode)[]) {
  const statuses = new Set<number>([400, 500]);
  const named = new Map<number, ErrorCode[]>();
  for (const item of items) {
    if (typeof item === 'number') {
      statuses.add(item);
      continue;
    }
    const status = STATUS[item];
    statuses.add(status);
    named.set(status, [...(named.get(status) ?? []), item]);
  }
  const out: Record<number, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }> = {};
  for (const s of [...statuses].sort((a, b) => a - b)) {
    const codes = named.get(s) ?? codesFor(s);
    out[s] = { description: `Problem: ${codes.map((c) => `[\`${c}\`](${problemType(c)})`).join(', ')}.`, content: { 'application/problem+json': { schema: Problem } } };
  }
  return out;
}
