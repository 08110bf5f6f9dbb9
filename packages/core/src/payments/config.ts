/**
 * Payment settings (spread into config/schema.ts). Names follow the seed where it had one
 * (PRICE_DEFAULT_SATS, PRICE_QUOTE_TTL_SEC, RECEIPT_TTL_SEC, QUOTE_TTL_SEC, PAY_SPLITS_JSON,
 * PAY_SCRIPTS_JSON, SINGLE_USE_RECEIPTS); durations are seconds, amounts satoshis < 2^53.
 */
import { z } from 'zod';
import { bool, int, jsonOf } from '../config/fields';
import { Secret } from '../config/secret';

const MAX_SAT = Number.MAX_SAFE_INTEGER;

const PARTY_MESSAGE = 'party names are lower-case words';
const PartyName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, PARTY_MESSAGE);
/** zod reports a bad record key as "Invalid key in record": name the rule instead. */
const partyKeyError = { error: (issue: { code?: string }) => (issue.code === 'invalid_key' ? PARTY_MESSAGE : undefined) };

/** Party → share of each payment. `producer` must be there (it takes the rounding remainder). */
export const PaySplits = z
  .record(PartyName, z.number().gt(0).max(1), partyKeyError)
  .refine((s) => 'producer' in s, 'must name a "producer" share')
  .refine((s) => Object.values(s).reduce((a, b) => a + b, 0) <= 1 + 1e-9, 'shares must add up to at most 1')
  .refine((s) => Object.keys(s).length <= 8, 'at most 8 parties');
export type PaySplits = z.infer<typeof PaySplits>;

/** Party → locking script hex for every party other than the producer (whose script is per version). */
export const PayScripts = z.record(
  PartyName,
  z.string().min(2).max(20_000).regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be hex').transform((s) => s.toLowerCase()),
  partyKeyError,
);
export type PayScripts = z.infer<typeof PayScripts>;

export const DEFAULT_SPLITS: PaySplits = { producer: 0.95, overlay: 0.05 };

/** ARC's X-WaitFor values (the status ARC waits for before answering). */
export const ARC_WAIT_FOR = ['QUEUED', 'RECEIVED', 'STORED', 'ANNOUNCED_TO_NETWORK', 'SEEN_ON_NETWORK', 'ACCEPTED_BY_NETWORK', 'MINED'] as const;

export const paymentsConfigShape = {
  /** Price when no rule or override applies. */
  PRICE_DEFAULT_SATS: int(1, MAX_SAT).default(5000),
  /** How long a quoted price (GET /price expiresAt) holds. */
  PRICE_QUOTE_TTL_SEC: int(1, 86_400 * 30).default(1800),
  /** How long a pending receipt waits for its payment. */
  RECEIPT_TTL_SEC: int(1, 86_400 * 30).default(1800),
  /** How long a paid receipt gives access to the bytes, from the moment it is paid. */
  RECEIPT_ACCESS_TTL_SEC: int(60, 86_400 * 3650).default(30 * 86_400),
  /** Bytes one unit buys when the version does not state its size (the seed's BYTES_MAX_PER_RECEIPT). */
  RECEIPT_UNIT_BYTES: int(1, MAX_SAT).default(100 * 1024 * 1024),
  /** Receipts created from now on are consumed by their first delivery. */
  SINGLE_USE_RECEIPTS: bool.default(false),
  /** How long a payment template (POST /payments/quote) holds. */
  QUOTE_TTL_SEC: int(10, 86_400).default(120),
  PAY_SPLITS_JSON: jsonOf(PaySplits).optional(),
  PAY_SCRIPTS_JSON: jsonOf(PayScripts).optional(),
  /** `dryrun` keeps payments local; `arc` broadcasts through ARC_URL. Default: arc when ARC_URL is set. */
  BROADCAST_MODE: z.enum(['dryrun', 'arc']).optional(),
  ARC_URL: z.string().url().optional(),
  ARC_API_KEY: z.string().min(1).transform((v) => new Secret(v)).optional(),
  /** Where ARC posts status callbacks (default PUBLIC_BASE_URL + /payments/arc-callback). */
  ARC_CALLBACK_URL: z.string().url().optional(),
  /** The bearer token ARC sends with callbacks; callbacks without it are refused. */
  ARC_CALLBACK_TOKEN: z.string().min(16, 'must be at least 16 characters').transform((v) => new Secret(v)).optional(),
  ARC_WAIT_FOR: z.enum(ARC_WAIT_FOR).default('SEEN_ON_NETWORK'),
  ARC_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Paid and confirmed receipts the reconcile schedule looks at per run. */
  RECEIPT_RECONCILE_BATCH: int(1, 10_000).default(200),
} as const;

/** Cross-field checks, called from the config schema's superRefine. */
export function paymentsConfigIssues(
  c: { BROADCAST_MODE?: 'dryrun' | 'arc' | undefined; ARC_URL?: string | undefined },
  add: (path: string, message: string) => void,
): void {
  if (c.BROADCAST_MODE === 'arc' && !c.ARC_URL) add('ARC_URL', 'is required when BROADCAST_MODE=arc');
}
