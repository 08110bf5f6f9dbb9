/** Helpers for failure tests: how a promise failed, why (the error and its causes), and whether it was `unavailable`. */
import { expect } from 'vitest';
import { isStrataError } from '@strata/core/errors';

/** Awaits `p`, resolving with what it rejected with (undefined if it resolved). */
export async function failure(p: Promise<unknown>): Promise<{ error: unknown }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error };
}

/** `name: message` of an error and of each of its causes, outermost first. */
export function causes(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error as { name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; depth++) {
    out.push(`${String(e.name ?? 'Error')}: ${String(e.message ?? e)}`);
    e = e.cause as typeof e;
  }
  return out;
}

/** True when the failure was a client-side deadline (ioredis's command timeout, an aborted fetch, the connection wait). */
export function isTimeout(error: unknown): boolean {
  return causes(error).some((c) => /TimeoutError|timed out|aborted due to timeout|within \d+ ms/.test(c));
}

/** Asserts StrataError `unavailable` (what every port throws when its service is down). */
export function expectUnavailable(error: unknown): void {
  expect(isStrataError(error) && error.code === 'unavailable', String(error)).toBe(true);
}
