/**
 * The cheap, non-binding policy preview for /listings?policyPreview=true (D28): only what the
 * manifest and the listing row say — no SPV, no lineage walk, no external feeds (those rules
 * are skipped) — so a page costs at most one SQL round trip on a cold cache and none when warm.
 * Each result is cached briefly (namespace `policy-preview`) under the `policies` tag, so any
 * policy change makes every preview stale at once. The binding decision is always /ready.
 * Previews are not recorded in policy_runs: they decide nothing.
 */
import type { Call, RequestCtx } from '../context';
import type { Deps } from '../deps';
import { cacheKeys, cacheTags } from '../cache/keys';
import { evaluateRules, type Decision } from './evaluate';
import { factsFromManifest, type PolicyFacts } from './facts';
import type { Policy } from './schema';
import { loadEnabledPolicy, readPolicy } from './service';

/** The stored default policy's id (the seed's POLICY_DEFAULT_ID). */
export const DEFAULT_POLICY_ID = 'pol_default';

/**
 * The document migrations/0085_default_policy.sql stores as `pol_default`: the seed's default
 * policy without its 30-day data age limit (a catalog default that hides every older dataset is
 * not a sensible out-of-box choice). Only the stored row decides anything (docs/adr/0035).
 */
export const BUILTIN_DEFAULT_POLICY: Policy = {
  minConfs: 6,
  allowRecalled: false,
  classificationAllowList: ['public', 'internal'],
  licenseAllowList: ['MIT', 'Apache-2.0', 'GPL-3.0', 'CC-BY-4.0'],
  maxLineageDepth: 10,
  minProducerUptime: 95,
};

export interface PolicyPreview {
  readonly decision: Decision;
  readonly reasons: string[];
  readonly warnings: string[];
}

type PreviewDeps = Pick<Deps, 'sql' | 'cache' | 'clock' | 'config'>;

interface Row {
  [k: string]: unknown;
  version_id: string;
  body: unknown;
  producer_id: string | null;
}

async function loadFacts(deps: PreviewDeps, versionIds: readonly string[]): Promise<Map<string, PolicyFacts>> {
  const rows = await deps.sql.query<Row>(
    `SELECT m.version_id, m.body, a.producer_id FROM manifests m LEFT JOIN assets a ON a.version_id = m.version_id
      WHERE m.version_id = ANY($1::text[])`,
    [[...versionIds]],
  );
  const now = deps.clock.now();
  return new Map(rows.map((r) => [r.version_id, { ...factsFromManifest(r.body, now), versionId: r.version_id, producerId: r.producer_id ?? undefined }]));
}

const preview = (policy: Policy, facts: PolicyFacts): PolicyPreview => {
  const r = evaluateRules(policy, facts, { skipFamilies: ['spv'] });
  return { decision: r.decision, reasons: r.reasons, warnings: r.warnings };
};

/**
 * The policy a preview uses: the given enabled one (else `policy-not-found`), or the stored
 * `pol_default` — the same row /ready and /policies/evaluate resolve. With no policy named and
 * `pol_default` disabled or deleted there is no default: null, and items get no preview.
 */
async function previewPolicyDoc(deps: PreviewDeps, ctx: RequestCtx, policyId: string | undefined): Promise<Policy | null> {
  if (policyId !== undefined) return loadEnabledPolicy(deps, ctx, policyId);
  const stored = await readPolicy({ deps, ctx, input: { policyId: DEFAULT_POLICY_ID } });
  return stored?.enabled ? stored.policy : null;
}

/**
 * Adds `policyPreview` to each listing item. Items whose version has no manifest get
 * `policyPreview: null`, and so does every item when no policy is named and `pol_default` is
 * disabled or deleted. Throws `policy-not-found` for an unknown or disabled `policyId`.
 */
export async function previewForListings<T extends { versionId: string }>(
  call: Call<PreviewDeps, { items: readonly T[]; policyId?: string }>,
): Promise<Array<T & { policyPreview: PolicyPreview | null }>> {
  const { deps, ctx, input: { items, policyId } } = call;
  if (items.length === 0) return [];
  const policy = await previewPolicyDoc(deps, ctx, policyId);
  if (policy === null) return items.map((item) => ({ ...item, policyPreview: null }));
  const cacheId = policyId ?? DEFAULT_POLICY_ID;
  // every miss on the page shares ONE query for all of the page's versions
  let page: Promise<Map<string, PolicyFacts>> | undefined;
  const factsFor = async (v: string) => (await (page ??= loadFacts(deps, items.map((i) => i.versionId)))).get(v);
  const previews = await Promise.all(
    items.map(async (item) => {
      const r = await deps.cache.get<PolicyPreview>(
        'policy-preview',
        cacheKeys.policyPreview(cacheId, item.versionId),
        async () => {
          const facts = await factsFor(item.versionId);
          return facts ? preview(policy, facts) : null;
        },
        { tags: [cacheTags.policies(), cacheTags.version(item.versionId)], waitUntil: ctx.waitUntil },
      );
      return r.value;
    }),
  );
  return items.map((item, i) => ({ ...item, policyPreview: previews[i] ?? null }));
}
