/**
 * Turns whatever a command threw into a CliError with an exit code: a problem+json the server
 * answered (exit 1, its fields kept), a server that could not be reached (exit 5), a CliError as
 * it is, anything else exit 1 with its message.
 */
import { CliError, EXIT } from './framework';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The first errno-style code in an error's cause chain. */
function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 6; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const errors = (c as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const x of errors) {
      const inner = causeCode(x);
      if (inner) return inner;
    }
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A problem+json body carried by a thrown error (the client's typed exceptions carry one). */
function problemOf(e: unknown): { status: number; body: Record<string, unknown> } | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as { status?: unknown; problem?: unknown; body?: unknown };
  const body = (o.problem ?? o.body) as Record<string, unknown> | undefined;
  if (typeof o.status === 'number' && body && typeof body === 'object' && ('title' in body || 'error' in body)) return { status: o.status, body };
  return undefined;
}

export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  const p = problemOf(e);
  if (p) {
    const title = typeof p.body.detail === 'string' ? p.body.detail : typeof p.body.title === 'string' ? p.body.title : `HTTP ${p.status}`;
    return new CliError(title, { exitCode: EXIT.failed, problem: { status: p.status, ...p.body } });
  }
  const code = causeCode(e);
  if (code) {
    return new CliError(`cannot reach the server (${code})`, { exitCode: EXIT.unreachable, error: 'unreachable', hint: 'is it running? set --url or STRATA_URL', cause: e });
  }
  if ((e as { name?: string })?.name === 'AbortError' || (e as { name?: string })?.name === 'TimeoutError') {
    return new CliError('stopped before the request finished', { exitCode: EXIT.failed, error: 'aborted', cause: e });
  }
  return new CliError(e instanceof Error ? e.message : String(e), { exitCode: EXIT.failed, cause: e });
}
