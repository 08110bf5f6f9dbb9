/**
 * Gathers the facts one evaluation needs, and only those: the lineage walk always (it also
 * loads the target's manifest, one round trip), readiness (SPV + advisories) only when the
 * policy has SPV rules, external sources only when a rule asks for them, each under a timeout.
 * A source that fails, times out or is not configured becomes an `unavailable` fact (→ warn).
 */
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import { advisoriesFor } from '../advisories/repo';
import { computeReadiness, type Readiness } from '../bundle/ready';
import { loadParentChain, type ParentChainNode } from '../bundle/parent-chain-sql';
import { factsFromManifest, pricePerByteOf, unavailable, type Fact, type LineageFacts, type PolicyFacts } from './facts';
import type { Policy } from './schema';

export type PolicyDeps = Pick<Deps, 'sql' | 'config' | 'clock'>;

/** The readiness fields the SPV family reads (computeReadiness's result satisfies it). */
export type ReadinessFacts = Pick<Readiness, 'ready' | 'reason' | 'confirmations'> & Partial<Pick<Readiness, 'advisories'>>;

/** External inputs; any left out counts as unavailable when a rule needs it (prices: absent). */
export interface PolicySources {
  /** Producer uptime in percent, null when the source does not know the producer. */
  readonly producerUptime?: (p: { producerId: string | null; identityKey: string | null }) => Promise<number | null>;
  /** True when the version, its content or its producer is on the threat feed. */
  readonly threatFeed?: (s: { versionId: string; contentHash: string | null; producerKey: string | null }) => Promise<boolean>;
  /** Price in satoshis per versionId (the versions it knows). */
  readonly prices?: (versionIds: readonly string[]) => Promise<Readonly<Record<string, number>>>;
  /** Whether the caller has a billing account (for `requiresBillingAccount`). */
  readonly billingAccount?: () => Promise<boolean>;
  /** Per source call; default 1000 ms. */
  readonly timeoutMs?: number;
}

export interface GatherOptions {
  /** The policy to gather for (rules it does not use cost nothing). Default: every fact. */
  readonly policy?: Policy;
  /** Readiness already computed by the caller (/ready), so SPV is not verified twice. */
  readonly readiness?: ReadinessFacts;
  readonly sources?: PolicySources;
}

/** Lineage walk cap: deep enough for the bundle and for the policy's own depth limit. */
const walkCap = (deps: PolicyDeps, policy?: Policy) => Math.min(100, Math.max(deps.config.BUNDLE_MAX_DEPTH, (policy?.maxLineageDepth ?? 0) + 1));

async function withTimeout<T>(ms: number, what: string, f: () => Promise<T>): Promise<Fact<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Fact<T>>((resolve) => {
    timer = setTimeout(() => resolve(unavailable(`${what}: timeout after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([f().then((v): Fact<T> => v), timeout]);
  } catch (e) {
    return unavailable(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

function identityKeyOf(node: ParentChainNode | undefined): string | null {
  const k = (node?.manifest as { provenance?: { producer?: { identityKey?: unknown } } } | null)?.provenance?.producer?.identityKey;
  return typeof k === 'string' ? k.toLowerCase() : null;
}

function lineageFacts(nodes: readonly ParentChainNode[]): LineageFacts {
  const ancestors = nodes.slice(1);
  const producers = new Set<string>();
  for (const n of ancestors) {
    if (n.producerId) producers.add(n.producerId);
    const key = identityKeyOf(n);
    if (key) producers.add(key);
  }
  return {
    versionIds: ancestors.map((n) => n.versionId),
    producers: [...producers].sort(),
    depth: nodes.reduce((m, n) => Math.max(m, n.depth), 0),
    complete: nodes.every((n) => n.manifest !== null && !n.truncated),
  };
}

/** SPV facts from a readiness result: headers down → unavailable; otherwise the live minimum. */
function spvFacts(r: ReadinessFacts | Error): Pick<PolicyFacts, 'confirmations' | 'recalled'> {
  if (r instanceof Error) return { confirmations: unavailable(`readiness: ${r.message}`), recalled: unavailable(`readiness: ${r.message}`) };
  const recalled = r.reason === 'advisory-blocked' || (r.advisories ?? []).some((a) => a.type === 'BLOCK');
  if (r.reason === 'headers-unavailable') return { confirmations: unavailable('headers-unavailable'), recalled };
  return { confirmations: r.confirmations, recalled };
}

const needsSpv = (p?: Policy) => !p || p.minConfs !== undefined || p.allowRecalled === false;

/** Reads every fact `opts.policy` needs for `versionId`; throws `not-found` for an unknown version. */
export async function gatherPolicyFacts(deps: PolicyDeps, versionId: string, opts: GatherOptions = {}): Promise<PolicyFacts> {
  const { policy, sources = {} } = opts;
  const ms = sources.timeoutMs ?? 1000;
  const wantSpv = needsSpv(policy) && opts.readiness === undefined;
  const [nodes, readiness] = await Promise.all([
    loadParentChain(deps.sql, versionId, walkCap(deps, policy)),
    // only a policy with confirmation rules pays for envelope verification
    wantSpv && (!policy || policy.minConfs !== undefined)
      ? computeReadiness(deps, versionId, policy?.minConfs !== undefined ? { minConfs: policy.minConfs } : {}).catch((e: unknown) =>
          e instanceof Error ? e : new Error(String(e)),
        )
      : Promise.resolve(opts.readiness),
  ]);
  const target = nodes[0];
  if (!target || target.versionId !== versionId || target.manifest === null) {
    throw new StrataError('not-found', `Version ${versionId} is not in the catalog.`, { hint: 'versionId not found' });
  }
  const lineage = lineageFacts(nodes);
  const producerKey = identityKeyOf(target);
  let spv: Pick<PolicyFacts, 'confirmations' | 'recalled'> = {};
  if (readiness !== undefined) spv = spvFacts(readiness);
  else if (policy?.allowRecalled === false) {
    // recall alone needs only the advisories, not SPV
    const active = await advisoriesFor(deps.sql, { versionIds: [versionId, ...lineage.versionIds], producerIds: lineage.producers.filter((p) => p.startsWith('prod_')).concat(target.producerId ?? []) }, { activeAt: new Date(deps.clock.now()) })
      .then((list) => list.some((a) => a.type === 'BLOCK'))
      .catch((e: unknown) => unavailable(`advisories: ${e instanceof Error ? e.message : String(e)}`));
    spv = { recalled: active };
  }

  const wants = (k: keyof Policy) => !policy || policy[k] !== undefined;
  const contentHash = (target.manifest as { content?: { contentHash?: string } }).content?.contentHash ?? null;
  const [uptime, threat, prices, billing] = await Promise.all([
    !wants('minProducerUptime') ? undefined
      : sources.producerUptime ? withTimeout(ms, 'uptime', () => sources.producerUptime!({ producerId: target.producerId, identityKey: producerKey })).then((v) => (v === null ? undefined : v))
      : unavailable('no uptime source configured'),
    !(policy ? policy.blockIfInThreatFeed === true : true) ? undefined
      : sources.threatFeed ? withTimeout(ms, 'threat feed', () => sources.threatFeed!({ versionId, contentHash, producerKey }))
      : unavailable('no threat feed configured'),
    (wants('maxPricePerByte') || wants('maxTotalCostForLineage')) && sources.prices
      ? withTimeout(ms, 'prices', () => sources.prices!([versionId, ...lineage.versionIds]))
      : undefined,
    policy?.requiresBillingAccount === true && sources.billingAccount ? withTimeout(ms, 'billing', () => sources.billingAccount!()) : undefined,
  ]);

  const priceMap = prices && !('unavailable' in prices) ? (prices as Readonly<Record<string, number>>) : undefined;
  const ids = [versionId, ...lineage.versionIds];
  return {
    ...factsFromManifest(target.manifest, deps.clock.now()),
    versionId,
    producerKey: producerKey ?? undefined,
    producerId: target.producerId ?? undefined,
    lineage,
    ...spv,
    producerUptime: uptime as Fact<number>,
    threatFeedMatch: threat as Fact<boolean>,
    hasBillingAccount: billing as Fact<boolean>,
    pricePerByte: priceMap ? pricePerByteOf(priceMap[versionId], target.manifest) : (prices as Fact<number>),
    lineageCostSatoshis: priceMap
      ? ids.every((v) => typeof priceMap[v] === 'number') && lineage.complete ? ids.reduce((s, v) => s + priceMap[v]!, 0) : undefined
      : (prices as Fact<number>),
  };
}
