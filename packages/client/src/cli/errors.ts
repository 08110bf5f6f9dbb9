/**
 * Turns whatever a command threw into a CliError with an exit code: a problem+json the server
 * answered (exit 1, its fields kept), a server that could not be reached (exit 5), a CliError as
 * it is, anything else exit 1 with its message.
 */
import { StrataHttpError, StrataNetworkError, StrataProblem } from '../problem';
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

export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof StrataProblem) {
    return new CliError(e.detail || e.title, { exitCode: EXIT.failed, problem: { ...e.toJSON() } });
  }
  if (e instanceof StrataHttpError) {
    return new CliError(`${e.method} ${e.url} answered ${e.status}`, { exitCode: EXIT.failed, error: 'http-error', problem: { status: e.status, detail: e.body.slice(0, 500) } });
  }
  const code = causeCode(e);
  if (e instanceof StrataNetworkError || code) {
    if (e instanceof StrataNetworkError && e.timeout) {
      return new CliError(`the server did not answer in time (${e.method} ${e.url})`, { exitCode: EXIT.unreachable, error: 'timeout', cause: e });
    }
    return new CliError(`cannot reach the server (${code ?? 'no answer'})`, { exitCode: EXIT.unreachable, error: 'unreachable', hint: 'is it running? set --url or STRATA_URL', cause: e });
  }
  if ((e as { name?: string })?.name === 'AbortError' || (e as { name?: string })?.name === 'TimeoutError') {
    return new CliError('stopped before the request finished', { exitCode: EXIT.failed, error: 'aborted', cause: e });
  }
  return new CliError(e instanceof Error ? e.message : String(e), { exitCode: EXIT.failed, cause: e });
}
