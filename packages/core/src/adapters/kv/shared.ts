/**
 * Checks every Kv adapter applies identically, so memory and Upstash reject the same inputs
 * with the same Redis error text before anything is sent.
 */
import { z } from 'zod';
import type { KvCommand, KvResult } from '../../ports/kv';

/** A command the server rejected (Redis error text, e.g. "ERR value is not an integer or out of range"). */
export class KvCommandError extends Error {
  override readonly name = 'KvCommandError';
}

/** Redis's reply when INCR meets a value that is not a 64-bit integer. */
export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';
/** Redis's reply when INCR would leave the signed 64-bit range. */
export const OVERFLOW = 'ERR increment or decrement would overflow';

/** Throws Redis's own error unless `px` is absent or a positive integer (Redis rejects 0, negatives, fractions). */
export function assertPx(px: number | undefined, command: 'set' | 'pexpire'): void {
  if (px === undefined) return;
  if (!Number.isSafeInteger(px) || px <= 0) {
    throw new KvCommandError(`ERR invalid expire time in '${command}' command`);
  }
}

const key = z.string();
const px = z.number().optional();

/** Shape of one `exec` command; validated so a malformed batch fails before any round trip. */
export const KvCommandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('get'), key }),
  z.object({ op: z.literal('set'), key, value: z.string(), px, nx: z.boolean().optional() }),
  z.object({ op: z.literal('del'), keys: z.array(key).min(1) }),
  z.object({ op: z.literal('incr'), key, px }),
]);

/** Validates a batch for `exec`, including expiry values. */
export function checkCommands(commands: readonly KvCommand[]): void {
  for (const c of commands) {
    const parsed = KvCommandSchema.safeParse(c);
    if (!parsed.success) throw new KvCommandError(`ERR invalid Kv command: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
    if (c.op === 'set') assertPx(c.px, 'set');
    if (c.op === 'incr') assertPx(c.px, 'pexpire');
  }
}

/** One reply of a batch, as an adapter read it: the command's error (already sorted) or its value. */
export interface BatchReply {
  readonly error: Error | null;
  readonly value: unknown;
}

/**
 * The port's results for `commands` from a batch's replies in command order (an incr with px
 * took two: INCR and its PEXPIRE … NX). Every command ran; the first failure is thrown after.
 */
export function batchResults(commands: readonly KvCommand[], replies: readonly BatchReply[]): KvResult[] {
  const results: KvResult[] = [];
  let i = 0;
  let firstError: Error | undefined;
  for (const c of commands) {
    const reply = replies[i];
    i += c.op === 'incr' && c.px !== undefined ? 2 : 1;
    if (reply?.error) firstError ??= reply.error;
    const r = reply?.error ? null : reply?.value;
    results.push(c.op === 'set' ? r !== null && r !== undefined : ((r ?? null) as KvResult));
  }
  if (firstError) throw firstError;
  return results;
}
