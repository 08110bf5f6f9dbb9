/** Helpers for failure tests: how a promise failed, how long it took, and whether it was `unavailable`. */
import { expect } from 'vitest';
import { isStrataError } from '@strata/core/errors';

/** Awaits `p`, resolving with what it rejected with (undefined if it resolved) and the time taken. */
export async function failure(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - start };
}

/** Asserts StrataError `unavailable` (what every port throws when its service is down). */
export function expectUnavailable(error: unknown): void {
  expect(isStrataError(error) && error.code === 'unavailable', String(error)).toBe(true);
}
