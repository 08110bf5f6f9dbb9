/**
 * `strata demo`: a small, realistic marketplace on a server that trusts the dev chain (ADR 0062).
 * Three producers publish eleven versions across seven datasets — versions with parents inside
 * a dataset and across datasets and producers — upload their content, set prices, and two
 * policies are stored; Marquez's demo seed (26 OpenLineage events of a food-delivery pipeline)
 * is ingested; then dev-chain blocks prove every declaration. Everything goes through the
 * typed client, so every endpoint and the API reference have something true to show.
 *
 * Idempotent: producer keys, manifests and contents are derived from fixed seeds, so a second
 * run re-submits the same transactions (answered as already published), re-registers the same
 * producers, finds its uploads and policies already there, re-sends events the ingest already
 * holds, and only mines further blocks. It refuses a server that does not trust the dev chain:
 * the keys below are public, and nothing they sign may reach a real marketplace.
 */
import { readFile } from 'node:fs/promises';
import { PrivateKey } from '@bsv/sdk';
import { buildDlm1Tx } from '@strata/core/catalog/dlm1';
import { parseManifest, versionIdOf } from '@strata/core/catalog/manifest';
import { unwrap, type Body, type StrataClient } from '../client';
import { StrataProblem } from '../problem';
import { sha256HexOf } from '../upload';

/** When the demo's versions say they were made (fixed, so versionIds are the same on every run). */
const CREATED_AT = '2026-11-02T09:00:00Z';

export interface DemoProducer {
  readonly slug: string;
  readonly name: string;
  readonly website: string;
  /** Price every version of this producer costs unless a version says otherwise (satoshis). */
  readonly satoshis: number;
}

export interface DemoVersion {
  readonly key: string;
  readonly producer: string;
  readonly datasetId: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly license: string;
  readonly classification: 'public' | 'internal' | 'restricted';
  /** Keys of earlier versions this one is derived from. */
  readonly parents: readonly string[];
  readonly transforms?: readonly string[];
  /** CSV header and rows (the content, generated). */
  readonly columns: readonly string[];
  readonly rows: (i: number) => readonly (string | number)[];
  readonly rowCount: number;
  readonly satoshis?: number;
}

export const DEMO_PRODUCERS: readonly DemoProducer[] = [
  { slug: 'grandmas-kitchen', name: "Grandma's Kitchen", website: 'https://kitchen.example', satoshis: 800 },
  { slug: 'food-delivery', name: 'Food Delivery Co', website: 'https://food-delivery.example', satoshis: 2500 },
  { slug: 'weather-lab', name: 'Weather Lab', website: 'https://weather-lab.example', satoshis: 1500 },
];

const APPLES = ['Bramley', 'Granny Smith', 'Honeycrisp', 'Cox', 'Crab apple', 'Red Delicious'];
const DISHES = ['margherita', 'pad thai', 'falafel wrap', 'ramen', 'burrito', 'poke bowl', 'lasagne', 'pho'];
const CITIES = ['Berlin', 'Lisbon', 'Leeds', 'Lyon'];
const iso = (day: number, hour: number) => new Date(Date.UTC(2026, 9, 1 + day, hour)).toISOString();

export const DEMO_VERSIONS: readonly DemoVersion[] = [
  {
    key: 'recipes-v1', producer: 'grandmas-kitchen', datasetId: 'grandmas-kitchen/apple-pie-recipes', name: 'Apple pie recipes (notebook scan)',
    description: 'Every apple pie recipe in the family notebook, one row per recipe.', tags: ['recipes', 'baking'], license: 'CC-BY-4.0', classification: 'public',
    parents: [], columns: ['recipe', 'apple', 'sugar_g', 'bake_min'], rowCount: 12, rows: (i) => [`pie-${i + 1}`, APPLES[i % 4]!, 120 + 10 * (i % 5), 45 + (i % 3) * 5],
  },
  {
    key: 'recipes-v2', producer: 'grandmas-kitchen', datasetId: 'grandmas-kitchen/apple-pie-recipes', name: 'Apple pie recipes (with crab-apple variants)',
    description: 'The notebook recipes plus the crab-apple variants, sugar normalised to grams.', tags: ['recipes', 'baking'], license: 'CC-BY-4.0', classification: 'public',
    parents: ['recipes-v1'], transforms: ['add crab-apple variants', 'normalise units'], columns: ['recipe', 'apple', 'sugar_g', 'bake_min'], rowCount: 18,
    rows: (i) => [`pie-${i + 1}`, APPLES[i % 6]!, 110 + 10 * (i % 6), 40 + (i % 4) * 5], satoshis: 1200,
  },
  {
    key: 'orders-raw', producer: 'food-delivery', datasetId: 'food-delivery/orders-raw', name: 'Orders, raw export',
    description: 'One row per order line as exported from the ordering system, duplicates included.', tags: ['orders', 'raw'], license: 'LicenseRef-food-delivery-internal', classification: 'internal',
    parents: [], columns: ['order_id', 'placed_at', 'city', 'dish', 'qty'], rowCount: 40,
    rows: (i) => [`o-${1000 + Math.floor(i / 2)}`, iso(i % 7, 11 + (i % 10)), CITIES[i % 4]!, DISHES[i % 8]!, 1 + (i % 3)],
  },
  {
    key: 'menus', producer: 'food-delivery', datasetId: 'food-delivery/menus', name: 'Restaurant menus',
    description: 'Dishes and prices of the partner restaurants.', tags: ['menus', 'reference'], license: 'CC-BY-4.0', classification: 'public',
    parents: [], columns: ['dish', 'restaurant', 'price_eur'], rowCount: 8, rows: (i) => [DISHES[i]!, `restaurant-${(i % 3) + 1}`, (8.5 + i).toFixed(2)], satoshis: 500,
  },
  {
    key: 'orders-clean', producer: 'food-delivery', datasetId: 'food-delivery/orders-clean', name: 'Orders, deduplicated',
    description: 'Raw orders without duplicate lines, timestamps in UTC.', tags: ['orders', 'clean'], license: 'LicenseRef-food-delivery-internal', classification: 'internal',
    parents: ['orders-raw'], transforms: ['deduplicate', 'timestamps to UTC'], columns: ['order_id', 'placed_at', 'city', 'dish', 'qty'], rowCount: 20,
    rows: (i) => [`o-${1000 + i}`, iso(i % 7, 11 + (i % 10)), CITIES[i % 4]!, DISHES[i % 8]!, 1 + (i % 3)],
  },
  {
    key: 'popular-dishes', producer: 'food-delivery', datasetId: 'food-delivery/popular-dishes-weekly', name: 'Popular dishes per week',
    description: 'Orders per dish and week, joined with the menus.', tags: ['orders', 'aggregate'], license: 'CC-BY-4.0', classification: 'public',
    parents: ['orders-clean', 'menus'], transforms: ['join menus', 'aggregate per week'], columns: ['week', 'dish', 'orders', 'revenue_eur'], rowCount: 8,
    rows: (i) => ['2026-W40', DISHES[i]!, 3 + ((i * 7) % 5), ((3 + ((i * 7) % 5)) * (8.5 + i)).toFixed(2)], satoshis: 4000,
  },
  {
    key: 'weather-v1', producer: 'weather-lab', datasetId: 'weather-lab/hourly-observations', name: 'Hourly observations, October week 1',
    description: 'Temperature and rain per city and hour.', tags: ['weather', 'observations'], license: 'ODbL-1.0', classification: 'public',
    parents: [], columns: ['observed_at', 'city', 'temp_c', 'rain_mm'], rowCount: 24,
    rows: (i) => [iso(Math.floor(i / 4), 12), CITIES[i % 4]!, (12 + (i % 9) * 0.7).toFixed(1), ((i * 3) % 7) === 0 ? '' : ((i % 4) * 0.4).toFixed(1)],
  },
  {
    key: 'weather-v2', producer: 'weather-lab', datasetId: 'weather-lab/hourly-observations', name: 'Hourly observations, October week 1 (gaps filled)',
    description: 'The same observations with missing rain values interpolated.', tags: ['weather', 'observations'], license: 'ODbL-1.0', classification: 'public',
    parents: ['weather-v1'], transforms: ['interpolate missing rain'], columns: ['observed_at', 'city', 'temp_c', 'rain_mm'], rowCount: 24,
    rows: (i) => [iso(Math.floor(i / 4), 12), CITIES[i % 4]!, (12 + (i % 9) * 0.7).toFixed(1), ((i % 4) * 0.4).toFixed(1)],
  },
  {
    key: 'delay-features', producer: 'weather-lab', datasetId: 'weather-lab/delivery-delay-features', name: 'Delivery delay features',
    description: 'Per order: the weather at the time and place it was placed, for a delay model.', tags: ['features', 'mlops'], license: 'CC-BY-NC-4.0', classification: 'internal',
    parents: ['weather-v2', 'orders-clean'], transforms: ['join weather by city and hour', 'feature scaling'], columns: ['order_id', 'temp_c', 'rain_mm', 'hour'], rowCount: 20,
    rows: (i) => [`o-${1000 + i}`, (12 + (i % 9) * 0.7).toFixed(1), ((i % 4) * 0.4).toFixed(1), 11 + (i % 10)], satoshis: 6000,
  },
  {
    key: 'menus-v2', producer: 'food-delivery', datasetId: 'food-delivery/menus', name: 'Restaurant menus (autumn prices)',
    description: 'Menus with the autumn price list.', tags: ['menus', 'reference'], license: 'CC-BY-4.0', classification: 'public',
    parents: ['menus'], transforms: ['apply autumn price list'], columns: ['dish', 'restaurant', 'price_eur'], rowCount: 8, rows: (i) => [DISHES[i]!, `restaurant-${(i % 3) + 1}`, (9 + i).toFixed(2)],
  },
  {
    key: 'pie-demand', producer: 'grandmas-kitchen', datasetId: 'grandmas-kitchen/pie-demand', name: 'Pie demand by weather',
    description: 'Which pies sell on rainy days: recipes joined with weather.', tags: ['baking', 'analysis'], license: 'CC-BY-4.0', classification: 'public',
    parents: ['recipes-v2', 'weather-v2'], transforms: ['join by day'], columns: ['recipe', 'rainy_days', 'sold'], rowCount: 6, rows: (i) => [`pie-${i + 1}`, i % 4, 10 + i * 3],
  },
];

export const DEMO_POLICIES = (keys: Record<string, string>, versionIds: Record<string, string>): ReadonlyArray<Body<'/policies', 'post'>> => [
  {
    name: 'demo: public data, confirmed',
    policy: { minConfs: 1, classificationAllowList: ['public'], licenseAllowList: ['CC-BY-4.0', 'ODbL-1.0'], allowRecalled: false },
  },
  {
    name: 'demo: food analytics',
    policy: {
      minConfs: 2,
      producerAllowList: [keys['food-delivery']!, keys['weather-lab']!],
      maxLineageDepth: 3,
      requiredMimeTypes: ['text/csv'],
      requiredAncestor: versionIds['orders-clean']!,
      piiFlagsBlockList: ['email', 'phone'],
    },
  },
];

/** The demo's key for a producer: public by design (it only ever signs on a dev chain). */
export function demoKey(slug: string): PrivateKey {
  return PrivateKey.fromHex(sha256HexOf(new TextEncoder().encode(`strata demo producer ${slug}`)));
}

/** The CSV bytes of a demo version. */
export function demoContent(v: DemoVersion): Uint8Array {
  const lines = [v.columns.join(','), ...Array.from({ length: v.rowCount }, (_, i) => v.rows(i).join(','))];
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

export interface DemoPlanVersion {
  readonly key: string;
  readonly producer: string;
  readonly datasetId: string;
  readonly name: string;
  readonly versionId: string;
  readonly txid: string;
  readonly parents: readonly string[];
  readonly contentHash: string;
  readonly sizeBytes: number;
  readonly manifest: Record<string, unknown>;
  readonly rawTx: string;
  readonly content: Uint8Array;
}

/** Builds every manifest and declaration (no network): the same on every machine. */
export function demoPlan(): DemoPlanVersion[] {
  const ids: Record<string, string> = {};
  return DEMO_VERSIONS.map((v) => {
    const key = demoKey(v.producer);
    const identityKey = key.toPublicKey().toString();
    const content = demoContent(v);
    const parents = v.parents.map((p) => {
      const id = ids[p];
      if (!id) throw new Error(`demo version ${v.key} names ${p} before it is defined`);
      return id;
    });
    const base: Record<string, unknown> = {
      type: 'datasetVersionManifest',
      datasetId: v.datasetId,
      name: v.name,
      description: v.description,
      tags: [...v.tags],
      content: { contentHash: sha256HexOf(content), sizeBytes: content.length, mimeType: 'text/csv', schema: { uri: `https://schemas.example/${v.datasetId}.json` } },
      ...(parents.length ? { lineage: { parents, ...(v.transforms ? { transforms: v.transforms.map((name) => ({ name })) } : {}) } } : {}),
      provenance: { producer: { identityKey }, createdAt: CREATED_AT },
      policy: { license: v.license, classification: v.classification, pii_flags: [] },
    };
    const versionId = versionIdOf(parseManifest(base));
    const signature = key.sign(versionId, 'utf8').toDER('hex') as string;
    const manifest = { ...base, signatures: { producer: { publicKey: identityKey, signature } } };
    const tx = buildDlm1Tx({ versionId, parents });
    ids[v.key] = versionId;
    return {
      key: v.key,
      producer: v.producer,
      datasetId: v.datasetId,
      name: v.name,
      versionId,
      txid: tx.txid,
      parents,
      contentHash: sha256HexOf(content),
      sizeBytes: content.length,
      manifest,
      rawTx: tx.rawTx,
      content,
    };
  });
}

/** Marquez's demo seed with its time placeholders filled in (as its docker/seed.sh does). */
export async function marquezSeedEvents(start: Date): Promise<unknown[]> {
  const text = await readFile(new URL('./marquez-seed.template.json', import.meta.url), 'utf8');
  const filled = text
    .replaceAll('{{RUN_START_TIME}}', start.toISOString())
    .replace(/\{\{RUN_END_TIME_AFTER_(\d+)_MINUTES\}\}/g, (_m, n: string) => new Date(start.getTime() + Number(n) * 60_000).toISOString());
  return JSON.parse(filled) as unknown[];
}

export interface DemoOptions {
  /** A client of the server with admin and ingest tokens; `identityKey` gives a producer's. */
  readonly client: (identityKey?: PrivateKey) => StrataClient;
  /** Blocks to mine after publishing (the first proves everything; default 3). */
  readonly blocks?: number;
  /** Progress lines for people. */
  readonly onStep?: (line: string) => void;
  readonly now?: () => Date;
}

export interface DemoResult {
  readonly producers: ReadonlyArray<{ slug: string; name: string; producerId: string; identityKey: string }>;
  readonly versions: ReadonlyArray<{ key: string; producer: string; datasetId: string; name: string; versionId: string; txid: string; parents: readonly string[]; contentHash: string; sizeBytes: number; published: 'new' | 'existing'; satoshis: number }>;
  readonly policies: ReadonlyArray<{ name: string; policyId: string; created: boolean }>;
  readonly lineage: { readonly events: number; readonly namespace: string };
  readonly chain: { readonly height: number; readonly proved: number };
}

/** Thrown when the server is not one the demo may fill. */
export class DemoRefused extends Error {
  override readonly name = 'DemoRefused';
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const admin = o.client();
  const step = o.onStep ?? (() => undefined);
  const dev = await unwrap('GET', await admin.api.GET('/dev-chain'));
  if (!dev.enabled) {
    throw new DemoRefused(`this server does not trust the dev chain (${dev.reason}); the demo fills only a local instance that does`);
  }
  if (dev.onDevChain === false) throw new DemoRefused('the header store holds another chain; the demo needs an empty store or the dev chain');

  const plan = demoPlan();
  const byKey = Object.fromEntries(plan.map((p) => [p.key, p]));

  step(`producers: ${DEMO_PRODUCERS.map((p) => p.name).join(', ')}`);
  const producers: Array<DemoResult['producers'][number]> = [];
  const clients: Record<string, StrataClient> = {};
  for (const p of DEMO_PRODUCERS) {
    const key = demoKey(p.slug);
    const c = o.client(key);
    clients[p.slug] = c;
    const r = await c.registerProducer({ name: p.name, website: p.website });
    producers.push({ slug: p.slug, name: p.name, producerId: r.producerId, identityKey: key.toPublicKey().toString() });
    await c.setPriceRule({ scope: 'producer', satoshis: p.satoshis });
  }

  const versions: Array<DemoResult['versions'][number]> = [];
  for (const v of plan) {
    const spec = DEMO_VERSIONS.find((d) => d.key === v.key)!;
    const c = clients[v.producer]!;
    let published: 'new' | 'existing' = 'new';
    try {
      const r = await admin.api.POST('/submit', { body: { rawTx: v.rawTx, manifest: v.manifest as Body<'/submit', 'post'>['manifest'] } });
      if (r.response.status === 200) published = 'existing';
      await unwrap('POST', r);
    } catch (e) {
      throw new Error(`publishing ${v.key} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    await c.uploadContent({ contentHash: v.contentHash, sizeBytes: v.sizeBytes, mimeType: 'text/csv', versionId: v.versionId, source: v.content });
    const producer = DEMO_PRODUCERS.find((p) => p.slug === v.producer)!;
    if (spec.satoshis !== undefined) await c.setPrice({ versionId: v.versionId, satoshis: spec.satoshis });
    versions.push({
      key: v.key,
      producer: v.producer,
      datasetId: v.datasetId,
      name: v.name,
      versionId: v.versionId,
      txid: v.txid,
      parents: v.parents,
      contentHash: v.contentHash,
      sizeBytes: v.sizeBytes,
      published,
      satoshis: spec.satoshis ?? producer.satoshis,
    });
    step(`${published === 'new' ? 'published' : 'already there'}: ${v.datasetId} — ${v.name} (${v.versionId.slice(0, 12)}…, ${v.sizeBytes} bytes uploaded)`);
  }

  const keys = Object.fromEntries(DEMO_PRODUCERS.map((p) => [p.slug, demoKey(p.slug).toPublicKey().toString()]));
  const ids = Object.fromEntries(plan.map((p) => [p.key, p.versionId]));
  const stored = (await admin.policies({ limit: 200 })).items;
  const policies: Array<DemoResult['policies'][number]> = [];
  for (const body of DEMO_POLICIES(keys, ids)) {
    const found = stored.find((s) => s.name === body.name);
    if (found) {
      policies.push({ name: body.name, policyId: found.policyId, created: false });
      continue;
    }
    const r = await admin.createPolicy(body);
    policies.push({ name: body.name, policyId: r.policyId, created: true });
  }
  step(`policies: ${policies.map((p) => p.name).join('; ')}`);

  const events = await marquezSeedEvents(new Date(Date.UTC(2026, 10, 2, 8, 0)));
  await admin.ingestLineageBatch(events as Body<'/api/v1/lineage/batch', 'post'>);
  step(`lineage: ${events.length} OpenLineage events of Marquez's food_delivery demo`);

  const mined = await unwrap('POST', await admin.api.POST('/dev-chain/blocks', { body: { count: o.blocks ?? 3 } }));
  if (mined.failed.length > 0) throw new Error(`the dev chain could not prove ${mined.failed.map((f) => `${f.txid} (${f.reason})`).join(', ')}`);
  step(`dev chain: height ${mined.tip.height}, ${mined.proved.declarations.length} declaration(s) proved`);
  void byKey;
  return {
    producers,
    versions,
    policies,
    lineage: { events: events.length, namespace: 'food_delivery' },
    chain: { height: mined.tip.height, proved: mined.proved.declarations.length },
  };
}

/** True when `e` is the server's answer that a version is already declared (not a demo failure). */
export const isProblem = (e: unknown, code: string): boolean => e instanceof StrataProblem && e.code === code;
