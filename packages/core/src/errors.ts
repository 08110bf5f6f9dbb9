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
  /**
   * Where the offending field sits in the request, dotted, starting with the request part:
   * `body.manifest.datasetId`, `query.limit`, `path.versionId`, `header.x-nonce` (docs/adr/0054).
   */
  readonly path: string;
  readonly message: string;
}

/** The part of a request a field lives in: the first segment of every FieldIssue path. */
export type InputPart = 'body' | 'query' | 'path' | 'header';

/** Where a validated value sits: its request part, then the keys down to it (`['body', 'manifest']`). */
export type InputAt = readonly [InputPart, ...(string | number)[]];

/** The members of a zod issue this mapping reads (structural, so errors.ts needs no zod import). */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

const joinPath = (at: readonly PropertyKey[]): string => at.map(String).join('.');

/**
 * THE mapping from schema (zod) issues to field issues, for the HTTP layer's validators and for
 * every core verb that validates what a request sent. `at` is where the validated value sits in
 * the request; each issue's own path is appended to it. An unknown key is reported as its own
 * field (`body.policy.minConf: unknown key`), one issue per key.
 */
export function fieldIssues(at: InputAt, issues: readonly SchemaIssue[]): FieldIssue[] {
  return mapIssues(at, issues);
}

/**
 * The same mapping for a value that is not (yet) placed in a request — an OpenLineage event,
 * also read by the queue consumer — paths relative to the value (`run.runId`; `` for the value
 * itself). The route that received the value places them with issuesAt.
 */
export function relativeIssues(issues: readonly SchemaIssue[]): FieldIssue[] {
  return mapIssues([], issues);
}

function mapIssues(at: readonly PropertyKey[], issues: readonly SchemaIssue[]): FieldIssue[] {
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys' && i.keys?.length
      ? i.keys.map((k) => ({ path: joinPath([...at, ...i.path, k]), message: 'unknown key' }))
      : [{ path: joinPath([...at, ...i.path]), message: i.message }],
  );
}

/**
 * Field issues a core function reported relative to the value it checked (an OpenLineage event:
 * `run.runId`, or `` for the event itself), placed where that value sits in the request.
 */
export function issuesAt(at: InputAt, issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ path: i.path ? `${joinPath(at)}.${i.path}` : joinPath(at), message: i.message }));
}

/** `validation-failed` naming every field of `issues` under `at` (see fieldIssues). */
export function invalidInput(at: InputAt, issues: readonly SchemaIssue[], message = 'The request is not valid; see `issues` for each field.'): StrataError {
  return new StrataError('validation-failed', message, { issues: fieldIssues(at, issues) });
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
