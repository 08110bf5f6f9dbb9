/** Argument checks shared by commands: each failure is a usage error (exit 2) before any request. */
import { usageError } from '../framework';

/** A versionId / content hash: 64 hex, lower-cased. */
export function hex64(value: string | string[] | undefined, what: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) throw usageError(`${what} must be 64 hex characters`);
  return value.toLowerCase();
}

export const shortId = (id: string) => `${id.slice(0, 12)}…`;
