/**
 * Cache key and tag builders. Callers pass identifiers that their own zod schemas have already
 * validated and normalised (e.g. versionIds lower-cased); these builders are a second fence that
 * throws on anything that could break key structure (`|`, `:` inside an id segment, spaces,
 * control characters), so no request input can ever address a key it was not meant to.
 *
 * Every entry key starts with the schema version prefix: bumping it after a change to a cached
 * value's shape means new code never parses bytes written by old code.
 */

export const CACHE_SCHEMA_VERSION = 'v1';
const PREFIX = `${CACHE_SCHEMA_VERSION}:`;

/** One id segment: no separators (`:` `|`), no whitespace. */
const ID = /^[A-Za-z0-9_.~-]{1,128}$/;
/** A 64-hex versionId / contentHash, already lower-cased by the caller. */
const HEX64 = /^[0-9a-f]{64}$/;
/** A lineage node such as `dataset:overlay:prod:<name>`: colons allowed, `|` (the field separator) not. */
const NODE = /^[A-Za-z0-9_.~:/@+-]{1,512}$/;
/** Tags are colon-separated words, e.g. `listings` or `lineage:ns:overlay:prod`. */
const TAG = /^[A-Za-z0-9_.~-]+(?::[A-Za-z0-9_.~/@+-]+)*$/;

const KEY = /^[\x21-\x7e]{1,1024}$/;

/** True for a string `cache.get` accepts as a key. */
export const isCacheKey = (k: string): boolean => KEY.test(k);
/** True for a string `cache.get` accepts as a tag. */
export const isCacheTag = (t: string): boolean => t.length <= 256 && TAG.test(t);

function check(value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new TypeError(`cache key: invalid ${what}`);
  return value;
}

function int(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`cache key: invalid ${what}`);
  return String(value);
}

export type QueryParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Canonical `|name=value` list: names sorted, values URI-encoded (so `|`, `:` and spaces cannot appear). */
function queryPart(params: QueryParams): string {
  let out = '';
  for (const name of Object.keys(params).sort()) {
    const v = params[name];
    if (v === undefined || v === null) continue;
    check(name, ID, 'parameter name');
    const enc = encodeURIComponent(String(v));
    if (enc.length > 512) throw new TypeError(`cache key: parameter ${name} too long`);
    out += `|${name}=${enc}`;
  }
  return out;
}

/** Entry key builders (full Kv keys, prefix included). */
export const cacheKeys = {
  /** `v1:cache:asset:<versionId>` — the listing detail. */
  asset: (versionId: string) => `${PREFIX}cache:asset:${check(versionId, HEX64, 'versionId')}`,
  /** `v1:cache:listings|<sorted params>` — one listings page (q, filters, limit, offset, …). */
  listings: (params: QueryParams) => `${PREFIX}cache:listings${queryPart(params)}`,
  /** `v1:cache:producer:<producerId>`. */
  producer: (producerId: string) => `${PREFIX}cache:producer:${check(producerId, ID, 'producerId')}`,
  /** `v1:cache:agent:<agentId>`. */
  agent: (agentId: string) => `${PREFIX}cache:agent:${check(agentId, ID, 'agentId')}`,
  /** `v1:cache:agents|<sorted params>` — an agent search page. */
  agentSearch: (params: QueryParams) => `${PREFIX}cache:agents${queryPart(params)}`,
  /** `v1:ol:cache:lineage:<node>|<depth>|<dir>|<fmt>` — the format is part of the key (the seed cached every format as json). */
  lineage: (node: string, depth: number, dir: string, fmt: string) =>
    `${PREFIX}ol:cache:lineage:${check(node, NODE, 'node')}|${int(depth, 'depth')}|${check(dir, ID, 'direction')}|${check(fmt, ID, 'format')}`,
  /** `v1:cache:bundle:<versionId>|<depth>` — stored without confirmations (D11H). */
  bundle: (versionId: string, depth: number) => `${PREFIX}cache:bundle:${check(versionId, HEX64, 'versionId')}|${int(depth, 'depth')}`,
  /** `v1:cache:policy:<policyId>`. */
  policy: (policyId: string) => `${PREFIX}cache:policy:${check(policyId, ID, 'policyId')}`,
  /** `v1:cache:policies|<sorted params>` — a policy list page. */
  policies: (params: QueryParams) => `${PREFIX}cache:policies${queryPart(params)}`,
  /** `v1:cache:price:<versionId>`. */
  price: (versionId: string) => `${PREFIX}cache:price:${check(versionId, HEX64, 'versionId')}`,
  /** `v1:cache:headers:tip`. */
  headersTip: () => `${PREFIX}cache:headers:tip`,
  /** `v1:cache:policy-preview:<policyId|default>:<versionId>`. */
  policyPreview: (policyId: string, versionId: string) =>
    `${PREFIX}cache:policy-preview:${check(policyId, ID, 'policyId')}:${check(versionId, HEX64, 'versionId')}`,
} as const;

/** Tag builders. A tag names a family of entries invalidated together by one version bump. */
export const cacheTags = {
  /** Every listings page. */
  listings: () => 'listings',
  /** Every agent search page. */
  agents: () => 'agents',
  /** Every policy list page and preview. */
  policies: () => 'policies',
  /** Every lineage graph of one OpenLineage namespace, e.g. `lineage:ns:overlay:prod`. */
  lineageNamespace: (namespace: string) => `lineage:ns:${check(namespace, NODE, 'namespace')}`,
  /** Everything derived from one version (bundles that include it, previews, prices). */
  version: (versionId: string) => `version:${check(versionId, HEX64, 'versionId')}`,
  /** A custom tag from validated words, joined with `:`. */
  of: (...parts: string[]) => {
    if (parts.length === 0) throw new TypeError('cache tag: empty');
    return parts.map((p) => check(p, ID, 'tag part')).join(':');
  },
} as const;

/** Kv key holding a tag's current version token. */
export const tagVersionKey = (tag: string) => `tv:${tag}`;
/** Kv key holding an entry key's own version token (guards fills racing a key delete). */
export const keyVersionKey = (key: string) => `kver:${key}`;
/** Kv key of the rebuild lease for an entry key. */
export const leaseKey = (key: string) => `lease:${key}`;
