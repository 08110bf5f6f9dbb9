/**
 * Errors the client throws: an answer that is not 2xx becomes a `StrataProblem` when its body is
 * problem+json (RFC 9457 with Strata's `error`, `hint`, `requestId` and `issues` members), a
 * `StrataHttpError` otherwise; a request that never got an answer a `StrataNetworkError`
 * (`timeout: true` when it ran out of time).
 */
import type { components } from './api.generated';

export type ProblemBody = components['schemas']['Problem'];
/** Every error code the API documents (the Problem schema's `error` enum). */
export type ErrorCode = ProblemBody['error'];
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** A non-2xx answer that is not problem+json (a proxy's page, an empty body). */
export class StrataHttpError extends Error {
  override readonly name: string = 'StrataHttpError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly url: string,
    readonly body: string,
    readonly headers: Headers,
  ) {
    super(`${method} ${url} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/** A problem+json answer, with its members typed. */
export class StrataProblem extends StrataHttpError {
  override readonly name = 'StrataProblem';
  /** The error code (`not-found`, `validation-failed`, `invalid-signature`, …). */
  readonly code: ErrorCode;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  readonly instance: string;
  readonly hint: string | undefined;
  readonly requestId: string;
  /** For `validation-failed`: each invalid field by its path in the request. */
  readonly issues: readonly FieldIssue[];
  /** Seconds, from `Retry-After` (rate limits, unavailable). */
  readonly retryAfterSec: number | undefined;

  constructor(method: string, url: string, status: number, problem: ProblemBody, headers: Headers, text: string) {
    super(status, method, url, text, headers);
    this.code = problem.error;
    this.title = problem.title;
    this.detail = problem.detail;
    this.type = problem.type;
    this.instance = problem.instance;
    this.hint = problem.hint;
    this.requestId = problem.requestId || headers.get('x-request-id') || '';
    this.issues = problem.issues ?? [];
    const ra = headers.get('retry-after');
    this.retryAfterSec = ra !== null && /^\d+$/.test(ra) ? Number(ra) : undefined;
    this.message = `${status} ${problem.error}: ${problem.detail}${problem.hint ? ` (${problem.hint})` : ''}${
      this.issues.length ? ` [${this.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}]` : ''
    }`;
  }

  /** The problem as the server sent it. */
  toJSON(): ProblemBody {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      instance: this.instance,
      error: this.code,
      requestId: this.requestId,
      ...(this.hint !== undefined ? { hint: this.hint } : {}),
      ...(this.issues.length ? { issues: [...this.issues] } : {}),
    };
  }
}

/** The request got no answer: refused, reset, or over its time. */
export class StrataNetworkError extends Error {
  override readonly name = 'StrataNetworkError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly attempts: number,
    readonly timeout: boolean,
    options: { cause: unknown },
  ) {
    super(`${method} ${url}: ${timeout ? 'timed out' : 'no answer'} after ${attempts} attempt${attempts === 1 ? '' : 's'} (${String((options.cause as Error | undefined)?.message ?? options.cause)})`, options);
  }
}

export const isStrataProblem = (e: unknown, code?: ErrorCode): e is StrataProblem => e instanceof StrataProblem && (code === undefined || e.code === code);

function isProblemBody(v: unknown): v is ProblemBody {
  return typeof v === 'object' && v !== null && typeof (v as ProblemBody).error === 'string' && typeof (v as ProblemBody).status === 'number';
}

/** The error for a non-2xx `res` (its body is read). */
export async function errorFromResponse(method: string, res: Response): Promise<StrataHttpError> {
  const text = await res.text().catch(() => '');
  const url = res.url || '';
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = JSON.parse(text) as unknown;
      if (isProblemBody(body)) return new StrataProblem(method, url, res.status, body, res.headers, text);
    } catch {
      /* not JSON after all */
    }
  }
  return new StrataHttpError(res.status, method, url, text, res.headers);
}
