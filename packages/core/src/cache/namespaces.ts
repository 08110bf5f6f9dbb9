/**
 * Cache namespaces and their time windows. Every window is in SECONDS (the seed mixed seconds
 * and milliseconds; `CACHE_TTLS_JSON` uses seconds only). Per entry:
 *
 *   stored ─ fresh ─▶ freshUntil ─ stale ─▶ staleUntil ─ grace ─▶ graceUntil (L2 expiry)
 *
 * - fresh:    served as a hit.
 * - stale:    served at once while one background refresh runs (stale-while-revalidate).
 * - grace:    served only when the origin fails (stale-if-error), marked as such.
 * - l1:       how long an isolate trusts its own memory copy without asking L2 (short, because
 *             other isolates cannot tell it about writes); never longer than `fresh`.
 * - negative: lifetime of a cached `null` (404); negatives get no stale or grace window.
 * - jitter:   ± fraction applied to `fresh` so entries filled together do not expire together.
 */
import { z } from 'zod';

export const CACHE_NAMESPACES = [
  'assets',
  'listings',
  'producers',
  'agents',
  'lineage',
  'bundles',
  'policies',
  'prices',
  'headers-tip',
  'policy-preview',
] as const;

export type CacheNamespace = (typeof CACHE_NAMESPACES)[number];

export interface NamespaceWindows {
  readonly fresh: number;
  readonly stale: number;
  readonly grace: number;
  readonly l1: number;
  readonly negative: number;
  readonly jitter: number;
}

export type NamespaceTable = Readonly<Record<CacheNamespace, NamespaceWindows>>;

const w = (fresh: number, stale: number, grace: number, l1: number, negative: number, jitter = 0.1): NamespaceWindows => ({
  fresh,
  stale,
  grace,
  l1,
  negative,
  jitter,
});

/** Defaults from the seed's TTL guidance (catalog 120–600 s, lineage 60–180 s, producers 24 h, tip 15–60 s). */
export const DEFAULT_NAMESPACES: NamespaceTable = {
  assets: w(300, 60, 3600, 5, 30),
  listings: w(180, 60, 600, 5, 30),
  producers: w(86_400, 3600, 86_400, 30, 60),
  agents: w(300, 60, 3600, 5, 30),
  lineage: w(120, 60, 600, 5, 30),
  bundles: w(300, 60, 3600, 10, 30),
  policies: w(600, 60, 3600, 5, 30),
  prices: w(120, 30, 600, 5, 30),
  // the tip moves every block; a short fresh window plus grace lets /ready survive a header-source outage
  'headers-tip': w(10, 20, 300, 2, 5, 0),
  'policy-preview': w(180, 60, 600, 5, 30),
};

const seconds = (max: number) => z.number().int().min(0).max(max);

/** One namespace's override: a number is the fresh window; an object overrides any window. */
export const NamespaceOverride = z.union([
  seconds(7 * 86_400),
  z
    .object({
      fresh: seconds(7 * 86_400).optional(),
      stale: seconds(7 * 86_400).optional(),
      grace: seconds(30 * 86_400).optional(),
      l1: seconds(3600).optional(),
      negative: seconds(86_400).optional(),
    })
    .strict(),
]);
export type NamespaceOverride = z.infer<typeof NamespaceOverride>;

/**
 * `CACHE_TTLS_JSON` after JSON parsing: `{ "<namespace>": number | {fresh?,stale?,grace?,l1?,negative?} }`.
 * Unknown namespace names are rejected so a typo cannot silently keep the defaults.
 */
export const CacheTtlsJson = z.partialRecord(z.enum(CACHE_NAMESPACES), NamespaceOverride).superRefine((o, ctx) => {
  for (const k of Object.keys(o)) {
    if (!(CACHE_NAMESPACES as readonly string[]).includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: 'unknown cache namespace' });
  }
});
export type CacheTtlsJson = z.infer<typeof CacheTtlsJson>;

/** Applies overrides to the defaults; keeps `l1 ≤ fresh` so memory never outlives the shared tier's freshness. */
export function resolveNamespaces(overrides: unknown = {}, base: NamespaceTable = DEFAULT_NAMESPACES): NamespaceTable {
  const parsed = CacheTtlsJson.parse(overrides);
  const out = { ...base } as Record<CacheNamespace, NamespaceWindows>;
  for (const ns of CACHE_NAMESPACES) {
    const o = parsed[ns];
    if (o === undefined) continue;
    const merged = typeof o === 'number' ? { ...out[ns], fresh: o } : { ...out[ns], ...o };
    out[ns] = { ...merged, l1: Math.min(merged.l1, merged.fresh) };
  }
  for (const ns of CACHE_NAMESPACES) out[ns] = { ...out[ns], l1: Math.min(out[ns].l1, out[ns].fresh) };
  return out;
}

/** The longest an entry of any namespace can live in L2, in ms (fresh with maximal jitter + stale + grace). */
export function maxHorizonMs(table: NamespaceTable): number {
  let max = 0;
  for (const ns of CACHE_NAMESPACES) {
    const n = table[ns];
    max = Math.max(max, n.fresh * (1 + n.jitter) + n.stale + n.grace, n.negative);
  }
  return Math.ceil(max * 1000);
}
