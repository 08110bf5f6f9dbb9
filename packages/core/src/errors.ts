/**
 * The closed set of error codes core may raise. No HTTP here: functions/ maps each code to a
 * status once (functions/src/problem.ts). Codes are the seed's kebab-case `error` members.
 */
export const ERROR_CODES = [
  'bad-request',
  'validation-failed',
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict',
  'payload-too-large',
  'unsupported-media-type',
  'rate-limited',
  'unavailable',
  'internal',
  // domain codes the seed names explicitly
  'invalid-envelope',
  'incomplete-lineage',
  'policy-not-found',
  'quote-expired',
  'template-mismatch',
  'already-consumed',
  'content-mismatch',
  'quota-exceeded',
  'expired',
  'invalid-signature',
  'nonce-replayed',
  // payments
  'invalid-state',
  'broadcast-rejected',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `manifest.datasetId` or `query.limit`. */
  readonly path: string;
  readonly message: string;
}

/** A typed error raised by core; safe to show its message to clients. */
export class StrataError extends Error {
  override readonly name = 'StrataError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { hint?: string; issues?: readonly FieldIssue[]; retryAfterSec?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  }
}

/** Shorthand constructors keep call sites short. */
export const fail = {
  badRequest: (message: string, hint?: string) => new StrataError('bad-request', message, { hint }),
  notFound: (message: string, hint?: string) => new StrataError('not-found', message, { hint }),
  conflict: (message: string, hint?: string) => new StrataError('conflict', message, { hint }),
  unauthorized: (message: string) => new StrataError('unauthorized', message),
  forbidden: (message: string, hint?: string) => new StrataError('forbidden', message, { hint }),
  unavailable: (message: string, cause?: unknown) => new StrataError('unavailable', message, { cause }),
  validation: (issues: readonly FieldIssue[], message = 'The request is not valid.') =>
    new StrataError('validation-failed', message, { issues }),
};

export function isStrataError(e: unknown): e is StrataError {
  return e instanceof StrataError;
}
