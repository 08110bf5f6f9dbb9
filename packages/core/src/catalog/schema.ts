/**
 * Request and response shapes of the catalog API (zod): listings, producers, agents, publish and
 * declaration proofs. The verbs validate with these, their TypeScript types are these schemas'
 * z.infer, and the routes declare them as they are, so the OpenAPI document is generated from
 * the same objects that check the input (docs/adr/0054; the HTTP layer names the components).
 * The DLM1 manifest itself is manifest.ts.
 */
import { z } from 'zod';
import { WebhookUrl } from '../net/webhook-url';
import { AGENT_ID, PRODUCER_ID } from './ids';
import { RAW_TX_MAX_HEX } from './raw-tx';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Free text that may reach SQL parameters and cache keys: no control characters, well-formed UTF-16. */
export const SafeText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode');

const Label = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');
const Limit = z.coerce.number().int().min(1).max(200).default(50);
const Offset = z.coerce.number().int().min(0).max(1_000_000).default(0);
/** A 64-hex identifier in a path; its shape is checked by the catalog's id parsers (`bad-request`). */
const Hex64Param = z.string().meta({ pattern: '^[0-9a-fA-F]{64}$' });

// ---------------------------------------------------------------------------------------------
// Listings

/** A listings page query, as the verb takes it. */
export const ListingQuery = z.object({
  q: SafeText(256).optional().meta({ description: 'Search words (prefix match on name, description, datasetId).' }),
  datasetId: SafeText(256).min(1).optional(),
  producerId: z.string().regex(PRODUCER_ID, 'must be prod_ followed by 16 hex').optional(),
  limit: Limit,
  offset: Offset,
});
export type ListingQuery = z.input<typeof ListingQuery>;

/** GET /listings: the page query plus the optional policy preview. */
export const ListingsQuery = ListingQuery.extend({
  policyPreview: z.enum(['true', 'false']).optional().meta({ description: 'Add a cheap, non-binding policy decision per item (D28; no SPV — /ready decides).' }),
  policyId: z.string().regex(/^pol_[0-9a-z_]{1,64}$/, 'must look like pol_<hex>').optional().meta({ description: 'Policy for the preview (default: pol_default).' }),
});

/** GET /listings/{versionId}. */
export const ListingParam = z.object({ versionId: Hex64Param });

export const ListingItem = z.object({
  versionId: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  datasetId: z.string(),
  producerId: z.string().nullable(),
  tags: z.array(z.string()),
  updatedAt: z.string(),
  policyPreview: z
    .object({ decision: z.enum(['allow', 'warn', 'block']), reasons: z.array(z.string()), warnings: z.array(z.string()) })
    .nullable()
    .optional(),
});
export type ListingItem = z.infer<typeof ListingItem> & {
  /** Only with `includePolicyMeta` (not served): the simple fields a policy preview needs. */
  policyMeta?: { license: string; classification: string };
};

export const ListingsPage = z.object({ items: z.array(ListingItem), limit: z.number().int(), offset: z.number().int() });
export type ListingsPage = { items: ListingItem[]; limit: number; offset: number };

export const ListingDetail = z.object({
  versionId: z.string(),
  manifest: z.object({
    name: z.string().nullable(),
    description: z.string().nullable(),
    datasetId: z.string(),
    contentHash: z.string(),
    license: z.string(),
    classification: z.string(),
    createdAt: z.string(),
  }),
  /** null only for a version stored without one. */
  txid: z.string().nullable().meta({ description: 'The transaction that declared this version.' }),
  declaration: z
    .object({
      status: z.enum(['pending', 'confirmed']).meta({ description: '`confirmed` once a verified SPV proof is attached (POST /declarations/{txid}/proof).' }),
      opretVout: z.number().int(),
      blockHash: z.string().nullable(),
      height: z.number().int().nullable(),
    })
    .nullable(),
  parents: z.array(z.string()).meta({ description: 'Parent versionIds committed on chain, sorted.' }),
});
export type ListingDetail = z.infer<typeof ListingDetail>;

// ---------------------------------------------------------------------------------------------
// Producers

/** POST /producers/register body (optional); fields left out keep their stored values. */
export const ProducerRegistration = z.strictObject({
  name: z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters').optional(),
  website: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  payoutScriptHex: z
    .string()
    .max(20_000)
    .regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be hex')
    .transform((s) => s.toLowerCase())
    .optional(),
});
export type ProducerRegistration = z.input<typeof ProducerRegistration>;

/** GET /producers/{id}; the id's shape is checked by parseProducerId (`bad-request`). */
export const ProducerParam = z.object({ id: z.string().meta({ pattern: PRODUCER_ID.source }) });
/** GET /producers?datasetId= */
export const ProducerByDatasetQuery = z.object({ datasetId: SafeText(256).min(1) });

export const Producer = z.object({
  producerId: z.string(),
  identityKey: z.string(),
  name: z.string().nullable(),
  website: z.string().nullable(),
  payoutScriptHex: z.string().nullable(),
  createdAt: z.string(),
});
export type Producer = z.infer<typeof Producer>;

// ---------------------------------------------------------------------------------------------
// Agents

/** POST /agents/register body. */
export const AgentRegistration = z.strictObject({
  name: Label(256),
  capabilities: z.array(Label(128)).max(64),
  webhookUrl: WebhookUrl,
  identityKey: z.string().regex(/^0[23][0-9a-fA-F]{64}$/, 'must be a compressed public key').optional(),
});
export type AgentRegistration = z.input<typeof AgentRegistration>;

/** GET /agents/search query. */
export const AgentSearch = z.object({
  q: SafeText(256).optional(),
  capability: SafeText(128).min(1).optional(),
  limit: Limit,
  offset: Offset,
});
export type AgentSearch = z.input<typeof AgentSearch>;

/** /agents/{id}; the id's shape is checked by parseAgentId (`bad-request`). */
export const AgentParam = z.object({ id: z.string().meta({ pattern: AGENT_ID.source }) });

export const AgentStatus = z.enum(['unknown', 'up', 'down']);
export type AgentStatus = z.output<typeof AgentStatus>;

export const Agent = z.object({
  agentId: z.string(),
  name: z.string(),
  capabilities: z.array(z.string()),
  webhookUrl: z.string(),
  identityKey: z.string().nullable(),
  status: AgentStatus,
  lastPingAt: z.string().nullable(),
});
export type Agent = z.infer<typeof Agent>;

export const AgentsPage = z.object({ items: z.array(Agent), limit: z.number(), offset: z.number() });

// ---------------------------------------------------------------------------------------------
// Publish and declaration proofs

/**
 * POST /submit body. The manifest is any object here: parseManifest checks it field by field
 * (`body.manifest.content.contentHash`). Documented as the DLM1Manifest schema (registered from
 * `Manifest` by the API document).
 */
export const SubmitBody = z.object({
  rawTx: z.string().min(2).max(RAW_TX_MAX_HEX).meta({ description: 'The declaring transaction, hex.' }),
  manifest: z.record(z.string(), z.unknown()).meta({
    allOf: [{ $ref: '#/components/schemas/DLM1Manifest' }],
    description: 'The DLM1 manifest; the SHA-256 of its canonical JSON is the versionId the transaction commits to.',
  }),
});

export const PublishResult = z.object({
  status: z.enum(['created', 'existing']),
  txid: z.string(),
  versionId: z.string(),
  opretVout: z.number().int(),
});
export type PublishResult = z.infer<typeof PublishResult>;

/** POST /declarations/{txid}/proof; the txid's shape is checked by parseHex64 (`bad-request`). */
export const DeclarationParam = z.object({ txid: Hex64Param });
export const ProofBody = z.object({
  envelope: z.record(z.string(), z.unknown()).meta({
    description: '{rawTx, txid?, proof: {txid, merkleRoot, path:[{hash, position}]} | "<BUMP hex>" | {bump}, block: {blockHeader} | {blockHash, blockHeight}}',
  }),
});
