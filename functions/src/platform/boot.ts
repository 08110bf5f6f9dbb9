/**
 * What every edge entry shares: Deps built once per isolate or cold start (a failed build is
 * retried on the next event, so a database that was down at start does not wedge the
 * instance), and configuration failures turned into a clear problem+json instead of a stack.
 */
import { ConfigError } from '@strata/core/config/index';
import { DepsError } from '@strata/core/deps';
import { problemType } from '../problem';

/** True for errors that mean "this deployment is misconfigured" (not a passing outage). */
export function isConfigurationError(e: unknown): e is ConfigError | DepsError {
  return e instanceof ConfigError || e instanceof DepsError;
}

/** The variables a configuration error names (never their values). */
export function configurationIssues(e: ConfigError | DepsError): { path: string; message: string }[] {
  if (e instanceof ConfigError) return e.problems.map((p) => ({ path: p.variable, message: p.message }));
  return [{ path: 'configuration', message: e.message }];
}

/**
 * problem+json for a request that arrived while Deps could not be built: 503 `unavailable`
 * naming the misconfigured variables, or a generic 503 for anything else (e.g. a database
 * unreachable at start). Never a stack trace or a value.
 */
export function bootFailure(e: unknown, path: string, log: (line: string) => void = console.error): Response {
  const requestId = crypto.randomUUID();
  const config = isConfigurationError(e);
  log(JSON.stringify({ level: 'error', msg: config ? 'strata is misconfigured' : 'strata failed to start', requestId, error: String(e instanceof Error ? e.message : e) }));
  const body = {
    type: problemType('unavailable'),
    title: 'Service unavailable',
    status: 503,
    detail: config ? 'Strata is not configured correctly on this deployment.' : 'Strata could not start; retry shortly.',
    instance: path,
    error: 'unavailable',
    hint: config ? 'An operator must fix the settings named in `issues` (see the logs).' : 'The request id identifies the failure in the logs.',
    requestId,
    ...(config ? { issues: configurationIssues(e) } : {}),
  };
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '30' } });
}
