/**
 * StrataClient: the whole API, typed from the OpenAPI document (api.generated.ts).
 *
 *   const strata = new StrataClient({ baseUrl: 'http://127.0.0.1:8787', identityKey, adminToken });
 *   const v = await strata.listing(versionId);               // typed; a problem throws StrataProblem
 *   const { data, error, response } = await strata.api.GET('/ready', { params: { query: { versionId } } });
 *
 * `api` is the typed openapi-fetch client: every operation, answers returned as `{ data | error,
 * response }` without throwing. The named methods throw StrataProblem / StrataHttpError for a
 * non-2xx answer. Both go through one transport: bearer tokens and identity signatures by the
 * operation's security requirement, a time limit, and retries only where the request is
 * idempotent (GET, HEAD, PUT, DELETE, and the POSTs listed in IDEMPOTENT_POSTS).
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { OPERATIONS, type paths } from './api.generated';
import { errorFromResponse, StrataHttpError } from './problem';
import { readRange, sha256HexOf, type UploadOptions, type UploadProgress, type UploadSource } from './upload';
import { isIdempotentMethod, Transport, type FetchLike, type SendMeta, type TransportOptions } from './transport';

export type { FetchLike };

/** Where a local server listens by default (`npm start`). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787';

/**
 * POSTs the API documents as safe to send twice: the second answers like the first and writes
 * nothing more (see each route's description in the API reference).
 */
export const IDEMPOTENT_POSTS = [
  'POST /submit', // idempotent on the same transaction
  'POST /declarations/{txid}/proof', // the proof is stored once; re-attaching answers the same
  'POST /producers/register', // idempotent per key
  'POST /headers', // re-posting known headers is a no-op
  'POST /policies/evaluate', // an evaluation (recorded, but writes no state a retry changes)
  'POST /ready/policy-eval',
  'POST /v1/uploads', // an upload in flight is handed back to its producer
  'POST /v1/uploads/{uploadId}/parts', // a part may be asked for again
  'POST /v1/uploads/{uploadId}/complete', // a finished upload is answered as it is
  'POST /payments/quote', // deterministic until it expires
  'POST /payments/submit', // idempotent for the same txid
  'POST /payments/{receiptId}/proof',
] as const satisfies readonly `POST ${keyof paths & string}`[];

/** GETs that are not safe to repeat: a download counts the object against the receipt. */
export const NON_IDEMPOTENT_GETS = ['GET /v1/data'] as const satisfies readonly `GET ${keyof paths & string}`[];

export interface StrataClientOptions extends TransportOptions {
  /** Server base URL (default `STRATA_URL`-free: http://127.0.0.1:8787). */
  readonly baseUrl?: string;
  /**
   * How presigned blob URLs (uploads, downloads) are fetched; default the client's `fetch`.
   * Tests bound to an in-process app use this to send store URLs to the network.
   */
  readonly blobFetch?: FetchLike;
  /** Time to the response headers of a blob request (a PUT answers after its whole body): default 15 min. */
  readonly blobTimeoutMs?: number;
}

export type StrataApi = Client<paths, 'application/json'>;

type OpKey = keyof typeof OPERATIONS;
type Op<P extends keyof paths, M extends string> = M extends keyof paths[P] ? NonNullable<paths[P][M]> : never;
/** The JSON request body of an operation. */
export type Body<P extends keyof paths, M extends string> = Op<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The query parameters of an operation. */
export type Query<P extends keyof paths, M extends string> = Op<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** The 2xx JSON answer of an operation. */
export type Answer<P extends keyof paths, M extends string, S extends number = 200> = Op<P, M> extends { responses: infer R }
  ? S extends keyof R
    ? R[S] extends { content: { 'application/json': infer A } }
      ? A
      : never
    : never
  : never;

/** The send policy of an operation: its credentials from the document, its idempotency from the lists above. */
export function operationMeta(method: string, path: string): Pick<SendMeta, 'idempotent' | 'bearer' | 'identity'> {
  const key = operationKey(method, path) ?? `${method.toUpperCase()} ${path}`;
  const auth = (OPERATIONS as Record<string, { bearer?: SendMeta['bearer']; identity?: SendMeta['identity'] }>)[key] ?? {};
  const idempotent = (isIdempotentMethod(method) && !(NON_IDEMPOTENT_GETS as readonly string[]).includes(key)) || (IDEMPOTENT_POSTS as readonly string[]).includes(key);
  return { idempotent, bearer: auth.bearer, identity: auth.identity };
}

const TEMPLATES = Object.keys(OPERATIONS)
  .filter((k) => k.includes('{'))
  .map((k) => {
    const [m, p] = k.split(' ') as [string, string];
    const re = new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return { key: k, method: m, re, params: (p.match(/\{/g) ?? []).length };
  })
  .sort((a, b) => a.params - b.params);

/**
 * The operation (`METHOD /template`) a request targets: `path` is a template (`/policies/{id}`)
 * or a concrete path (`/policies/pol_1`, query ignored); undefined when the API has none.
 */
export function operationKey(method: string, path: string): OpKey | undefined {
  const m = method.toUpperCase();
  const bare = path.split('?')[0] ?? path;
  const exact = `${m} ${bare}`;
  if (Object.hasOwn(OPERATIONS, exact)) return exact as OpKey;
  return TEMPLATES.find((t) => t.method === m && t.re.test(bare))?.key as OpKey | undefined;
}

/** A typed response pair from `api`, turned into its data or a thrown StrataProblem / StrataHttpError. */
export async function unwrap<T>(method: string, r: { data?: T; error?: unknown; response: Response }): Promise<T> {
  if (r.response.ok) return r.data as T;
  throw await errorFromBody(method, r.response, r.error);
}

async function errorFromBody(method: string, res: Response, parsed: unknown): Promise<StrataHttpError> {
  // openapi-fetch has read the body: rebuild a response around it for one error constructor
  const text = parsed === undefined ? '' : typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  const copy = new Response(text, { status: res.status, headers: res.headers });
  Object.defineProperty(copy, 'url', { value: res.url });
  return errorFromResponse(method, copy);
}

export class StrataClient {
  readonly baseUrl: string;
  /** Every operation, typed; answers `{ data | error, response }` without throwing. */
  readonly api: StrataApi;
  readonly transport: Transport;
  readonly #blob: Transport;
  readonly #meta = new WeakMap<Request, Pick<SendMeta, 'idempotent' | 'bearer' | 'identity'>>();

  constructor(o: StrataClientOptions = {}) {
    this.baseUrl = (o.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.transport = new Transport(o);
    this.#blob = new Transport({ ...o, fetch: o.blobFetch ?? o.fetch, adminToken: undefined, ingestToken: undefined, identityKey: undefined, headers: {}, timeoutMs: o.blobTimeoutMs ?? 900_000 });
    const meta = this.#meta;
    const policy: Middleware = {
      onRequest({ request, schemaPath }) {
        meta.set(request, operationMeta(request.method, schemaPath));
        return undefined;
      },
    };
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: async (request: Request) => {
        const m = meta.get(request) ?? { idempotent: isIdempotentMethod(request.method) };
        const body = request.body ? await request.text() : undefined;
        return this.transport.send({ method: request.method, url: request.url, headers: request.headers, body }, { ...m, signal: request.signal });
      },
    });
    this.api.use(policy);
  }

  /** The signing key's public key (the producer id of what this client publishes), when it has one. */
  get identityKey(): string | undefined {
    return this.transport.identityPublicKey;
  }

  /** Sends a request to a presigned blob URL (no API credentials), retried when `idempotent`. */
  blobRequest(req: { url: string; method: string; headers?: Record<string, string>; body?: Uint8Array | (() => BodyInit) }, o: { idempotent?: boolean; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Response> {
    return this.#blob.send(req, { idempotent: o.idempotent ?? isIdempotentMethod(req.method), timeoutMs: o.timeoutMs, signal: o.signal });
  }

  /** Sends an API request by method and path, with the operation's credentials and retry policy; answers the raw Response. */
  request(method: string, pathWithQuery: string, o: { body?: unknown; headers?: Record<string, string>; schemaPath?: string; signal?: AbortSignal } = {}): Promise<Response> {
    const url = `${this.baseUrl}${pathWithQuery}`;
    const schemaPath = o.schemaPath ?? new URL(url).pathname;
    const text = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const headers = { ...(text !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers };
    return this.transport.send({ method, url, headers, body: text }, { ...operationMeta(method, schemaPath), signal: o.signal });
  }

  // ---- health ----------------------------------------------------------------------------
  /** GET /health: liveness of every tier. */
  async health() {
    return unwrap('GET', await this.api.GET('/health'));
  }

  /** GET /health/db: PostgreSQL and the Kv answer. */
  async healthDb() {
    return unwrap('GET', await this.api.GET('/health/db'));
  }

  /** GET /openapi.json: the API's OpenAPI document, as served. */
  async openapi() {
    return unwrap('GET', await this.api.GET('/openapi.json'));
  }

  // ---- catalog -----------------------------------------------------------------------------
  /** POST /submit: publish a version (a declaration transaction and its manifest). */
  async submit(body: Body<'/submit', 'post'>) {
    return unwrap('POST', await this.api.POST('/submit', { body }));
  }

  /** POST /declarations/{txid}/proof: attach an SPV envelope to a declaration. */
  async attachDeclarationProof(txid: string, body: Body<'/declarations/{txid}/proof', 'post'>) {
    return unwrap('POST', await this.api.POST('/declarations/{txid}/proof', { params: { path: { txid } }, body }));
  }

  /** GET /listings: search published versions. */
  async listings(query: Query<'/listings', 'get'> = {}) {
    return unwrap('GET', await this.api.GET('/listings', { params: { query } }));
  }

  /** GET /listings/{versionId}: one version. */
  async listing(versionId: string) {
    return unwrap('GET', await this.api.GET('/listings/{versionId}', { params: { path: { versionId } } }));
  }

  /** POST /producers/register: register or update the producer of the client's identity key (signed). */
  async registerProducer(body: Body<'/producers/register', 'post'>) {
    return unwrap('POST', await this.api.POST('/producers/register', { body }));
  }

  /** GET /producers/{id}. */
  async producer(id: string) {
    return unwrap('GET', await this.api.GET('/producers/{id}', { params: { path: { id } } }));
  }

  // ---- chain, readiness, bundles -------------------------------------------------------------
  /** POST /headers (admin): store block headers. */
  async postHeaders(body: Body<'/headers', 'post'>) {
    return unwrap('POST', await this.api.POST('/headers', { body }));
  }

  /** GET /headers/tip: the best chain tip. */
  async headersTip() {
    return unwrap('GET', await this.api.GET('/headers/tip'));
  }

  /** GET /ready: the readiness decision for a version. */
  async ready(versionId: string, o: Omit<Query<'/ready', 'get'>, 'versionId'> = {}) {
    return unwrap('GET', await this.api.GET('/ready', { params: { query: { versionId, ...o } } }));
  }

  /** GET /bundle: the lineage bundle of a version. */
  async bundle(versionId: string, o: Omit<Query<'/bundle', 'get'>, 'versionId'> = {}) {
    return unwrap('GET', await this.api.GET('/bundle', { params: { query: { versionId, ...o } } }));
  }

  /** POST /advisories (admin). */
  async createAdvisory(body: Body<'/advisories', 'post'>) {
    return unwrap('POST', await this.api.POST('/advisories', { body }));
  }

  /** GET /advisories. */
  async advisories(query: Query<'/advisories', 'get'>) {
    return unwrap('GET', await this.api.GET('/advisories', { params: { query } }));
  }

  // ---- policies ----------------------------------------------------------------------------------
  /** POST /policies (admin). */
  async createPolicy(body: Body<'/policies', 'post'>) {
    return unwrap('POST', await this.api.POST('/policies', { body }));
  }

  /** GET /policies. */
  async policies(query: Query<'/policies', 'get'> = {}) {
    return unwrap('GET', await this.api.GET('/policies', { params: { query } }));
  }

  /** GET /policies/{id}. */
  async policy(id: string) {
    return unwrap('GET', await this.api.GET('/policies/{id}', { params: { path: { id } } }));
  }

  /** PATCH /policies/{id} (admin). */
  async updatePolicy(id: string, body: Body<'/policies/{id}', 'patch'>) {
    return unwrap('PATCH', await this.api.PATCH('/policies/{id}', { params: { path: { id } }, body }));
  }

  /** DELETE /policies/{id} (admin). */
  async deletePolicy(id: string) {
    return unwrap('DELETE', await this.api.DELETE('/policies/{id}', { params: { path: { id } } }));
  }

  /** POST /policies/evaluate: a stored or inline policy against a version. */
  async evaluatePolicy(body: Body<'/policies/evaluate', 'post'>) {
    return unwrap('POST', await this.api.POST('/policies/evaluate', { body }));
  }

  // ---- lineage (OpenLineage) ---------------------------------------------------------------------
  /** POST /api/v1/lineage (ingest token): one OpenLineage event. */
  async ingestLineage(event: Body<'/api/v1/lineage', 'post'>) {
    return unwrap('POST', await this.api.POST('/api/v1/lineage', { body: event }));
  }

  /** POST /api/v1/lineage/batch (ingest token): several events, per-event results. */
  async ingestLineageBatch(events: Body<'/api/v1/lineage/batch', 'post'>) {
    return unwrap('POST', await this.api.POST('/api/v1/lineage/batch', { body: events }));
  }

  /** GET /openlineage/lineage: the graph around one node. */
  async lineage(query: Query<'/openlineage/lineage', 'get'>) {
    return unwrap('GET', await this.api.GET('/openlineage/lineage', { params: { query } }));
  }

  /** GET /openlineage/search. */
  async searchLineage(query: Query<'/openlineage/search', 'get'>) {
    return unwrap('GET', await this.api.GET('/openlineage/search', { params: { query } }));
  }

  /** GET /openlineage/nodes/dataset/{namespace}/{name}. */
  async lineageDataset(namespace: string, name: string) {
    return unwrap('GET', await this.api.GET('/openlineage/nodes/dataset/{namespace}/{name}', { params: { path: { namespace, name } } }));
  }

  /** GET /openlineage/jobs/{namespace}/{name}. */
  async lineageJob(namespace: string, name: string) {
    return unwrap('GET', await this.api.GET('/openlineage/jobs/{namespace}/{name}', { params: { path: { namespace, name } } }));
  }

  /** GET /openlineage/runs/{runId}. */
  async lineageRun(runId: string) {
    return unwrap('GET', await this.api.GET('/openlineage/runs/{runId}', { params: { path: { runId } } }));
  }

  // ---- agents ------------------------------------------------------------------------------------
  /** POST /agents/register (signed when the client has a key; anonymous otherwise). */
  async registerAgent(body: Body<'/agents/register', 'post'>) {
    return unwrap('POST', await this.api.POST('/agents/register', { body }));
  }

  /** POST /agents/{id}/ping. */
  async pingAgent(id: string) {
    return unwrap('POST', await this.api.POST('/agents/{id}/ping', { params: { path: { id } } }));
  }

  /** GET /agents/search. */
  async searchAgents(query: Query<'/agents/search', 'get'> = {}) {
    return unwrap('GET', await this.api.GET('/agents/search', { params: { query } }));
  }

  /** GET /agents/{id}. */
  async agent(id: string) {
    return unwrap('GET', await this.api.GET('/agents/{id}', { params: { path: { id } } }));
  }

  // ---- prices, receipts, payments ----------------------------------------------------------------
  /** GET /price: the price of a version. */
  async price(versionId: string) {
    return unwrap('GET', await this.api.GET('/price', { params: { query: { versionId } } }));
  }

  /** POST /price (signed by the producer): the price of one of its versions. */
  async setPrice(body: Body<'/price', 'post'>) {
    return unwrap('POST', await this.api.POST('/price', { body }));
  }

  /** POST /price/rules (signed by the producer). */
  async setPriceRule(body: Body<'/price/rules', 'post'>) {
    return unwrap('POST', await this.api.POST('/price/rules', { body }));
  }

  /** POST /pay: a new pending receipt (not idempotent: never retried). */
  async pay(body: Body<'/pay', 'post'>) {
    return unwrap('POST', await this.api.POST('/pay', { body }));
  }

  /** GET /receipt. */
  async receipt(receiptId: string) {
    return unwrap('GET', await this.api.GET('/receipt', { params: { query: { receiptId } } }));
  }

  /** GET /payments/{receiptId}: the receipt with its quote and payment. */
  async payment(receiptId: string) {
    return unwrap('GET', await this.api.GET('/payments/{receiptId}', { params: { path: { receiptId } } }));
  }

  /** POST /payments/quote: the payment template of a pending receipt. */
  async quote(receiptId: string) {
    return unwrap('POST', await this.api.POST('/payments/quote', { body: { receiptId } }));
  }

  /** POST /payments/submit: the payment transaction. */
  async submitPayment(body: Body<'/payments/submit', 'post'>) {
    return unwrap('POST', await this.api.POST('/payments/submit', { body }));
  }

  /** POST /payments/{receiptId}/proof: an SPV envelope of the payment. */
  async attachPaymentProof(receiptId: string, body: Body<'/payments/{receiptId}/proof', 'post'>) {
    return unwrap('POST', await this.api.POST('/payments/{receiptId}/proof', { params: { path: { receiptId } }, body }));
  }

  // ---- delivery ------------------------------------------------------------------------------------
  /** GET /v1/data: the presigned URL of paid content (counts against the receipt: never retried). */
  async deliveryUrl(receiptId: string, contentHash: string) {
    return unwrap('GET', await this.api.GET('/v1/data', { params: { query: { receiptId, contentHash } } }));
  }

  /**
   * Downloads paid content as a stream: asks GET /v1/data for the URL, then fetches it.
   * `onProgress` is called as bytes arrive.
   */
  async download(receiptId: string, contentHash: string, o: { onProgress?: (p: { receivedBytes: number; totalBytes: number }) => void; signal?: AbortSignal } = {}) {
    const d = await this.deliveryUrl(receiptId, contentHash);
    const res = await this.blobRequest({ url: d.delivery.url, method: 'GET', headers: d.delivery.headers }, { idempotent: true, ...(o.signal ? { signal: o.signal } : {}) });
    if (!res.ok || !res.body) throw await errorFromResponse('GET', res);
    const totalBytes = d.metadata.size;
    let receivedBytes = 0;
    const onProgress = o.onProgress;
    const body = onProgress
      ? res.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, ctl) {
              receivedBytes += chunk.byteLength;
              onProgress({ receivedBytes, totalBytes });
              ctl.enqueue(chunk);
            },
          }),
        )
      : res.body;
    return { body, sizeBytes: totalBytes, contentType: res.headers.get('content-type'), delivery: d };
  }

  // ---- uploads -------------------------------------------------------------------------------------
  /** POST /v1/uploads (signed): start, or get back, the upload of a version's content. */
  async createUpload(body: Body<'/v1/uploads', 'post'>) {
    return unwrap('POST', await this.api.POST('/v1/uploads', { body }));
  }

  /** POST /v1/uploads/{uploadId}/parts (signed): presigned PUTs for parts. */
  async uploadPartUrls(uploadId: string, parts: Body<'/v1/uploads/{uploadId}/parts', 'post'>['parts']) {
    return unwrap('POST', await this.api.POST('/v1/uploads/{uploadId}/parts', { params: { path: { uploadId } }, body: { parts } }));
  }

  /** GET /v1/uploads/{uploadId}/parts (signed): parts stored and missing. */
  async uploadParts(uploadId: string) {
    return unwrap('GET', await this.api.GET('/v1/uploads/{uploadId}/parts', { params: { path: { uploadId } } }));
  }

  /** POST /v1/uploads/{uploadId}/complete (signed). */
  async completeUpload(uploadId: string) {
    return unwrap('POST', await this.api.POST('/v1/uploads/{uploadId}/complete', { params: { path: { uploadId } } }));
  }

  /** GET /v1/uploads/{uploadId}. */
  async upload(uploadId: string) {
    return unwrap('GET', await this.api.GET('/v1/uploads/{uploadId}', { params: { path: { uploadId } } }));
  }

  /**
   * Uploads a version's content (signed by its producer): single PUT or multipart, resuming an
   * upload in flight (only missing parts are sent), then `complete`; with `wait` (default) until
   * the server has verified it. Throws when the server marks it failed.
   */
  async uploadContent(o: UploadOptions) {
    const total = o.sizeBytes;
    const progress = (p: Omit<UploadProgress, 'totalBytes'>) => o.onProgress?.({ ...p, totalBytes: total });
    const signal = o.signal ? { signal: o.signal } : {};
    let u = await this.createUpload({ contentHash: o.contentHash, sizeBytes: total, mimeType: o.mimeType, ...(o.versionId ? { versionId: o.versionId } : {}) });
    if (u.status === 'pending' && u.mode === 'single') {
      if (!u.put) throw new Error(`upload ${u.uploadId}: the server sent no PUT URL`);
      const bytes = await readRange(o.source, 0, total);
      progress({ uploadedBytes: 0, phase: 'uploading' });
      const res = await this.blobRequest({ url: u.put.url, method: u.put.method, headers: u.put.headers, body: bytes }, { idempotent: true, ...signal });
      if (!res.ok) throw await errorFromResponse(u.put.method, res);
      await res.arrayBuffer();
      progress({ uploadedBytes: total, phase: 'uploading' });
    } else if (u.status === 'pending') {
      const { missing } = await this.uploadParts(u.uploadId);
      const partSize = u.partSize ?? total;
      const sizeOf = (n: number) => Math.min(partSize, total - (n - 1) * partSize);
      let uploaded = total - missing.reduce((a, n) => a + sizeOf(n), 0);
      progress({ uploadedBytes: uploaded, phase: 'uploading' });
      for (const partNumber of missing) {
        const bytes = await readRange(o.source, (partNumber - 1) * partSize, sizeOf(partNumber));
        const { parts } = await this.uploadPartUrls(u.uploadId, [{ partNumber, sha256: sha256HexOf(bytes) }]);
        const url = parts[0]!;
        const res = await this.blobRequest({ url: url.url, method: url.method, headers: url.headers, body: bytes }, { idempotent: true, ...signal });
        if (!res.ok) throw await errorFromResponse(url.method, res);
        await res.arrayBuffer();
        uploaded += bytes.byteLength;
        progress({ uploadedBytes: uploaded, partNumber, phase: 'uploading' });
      }
    }
    if (u.status === 'pending') u = await this.completeUpload(u.uploadId);
    if (u.status === 'verifying' && o.wait !== false) {
      progress({ uploadedBytes: total, phase: 'verifying' });
      const deadline = Date.now() + (o.waitMs ?? 600_000);
      for (let delay = 100; u.status === 'verifying' && Date.now() < deadline; delay = Math.min(2000, delay * 2)) {
        await new Promise((r) => setTimeout(r, delay));
        u = await this.upload(u.uploadId);
      }
    }
    if (u.status === 'failed' || u.status === 'aborted') throw new Error(`upload ${u.uploadId} ${u.status}${u.failure ? `: ${u.failure}` : ''}`);
    if (u.status === 'verified') progress({ uploadedBytes: total, phase: 'verified' });
    return u;
  }

  /** Resumes the upload `uploadId` (as told by GET /v1/uploads/{uploadId}) with its content. */
  async resumeUpload(uploadId: string, source: UploadSource, o: Omit<UploadOptions, 'contentHash' | 'sizeBytes' | 'mimeType' | 'versionId' | 'source'> = {}) {
    const v = await this.upload(uploadId);
    return this.uploadContent({ ...o, contentHash: v.contentHash, sizeBytes: v.sizeBytes, mimeType: v.mimeType, versionId: v.versionId, source });
  }

  // ---- admin -----------------------------------------------------------------------------------------
  /** GET /admin/dead-letters (admin). */
  async deadLetters(query: Query<'/admin/dead-letters', 'get'> = {}) {
    return unwrap('GET', await this.api.GET('/admin/dead-letters', { params: { query } }));
  }

  /** POST /admin/dead-letters/replay (admin). */
  async replayDeadLetters(body: Body<'/admin/dead-letters/replay', 'post'>) {
    return unwrap('POST', await this.api.POST('/admin/dead-letters/replay', { body }));
  }

  /** POST /openlineage/hook/publish (admin): emit a version's publish event. */
  async lineageHookPublish(body: Body<'/openlineage/hook/publish', 'post'>) {
    return unwrap('POST', await this.api.POST('/openlineage/hook/publish', { body }));
  }

  /** POST /openlineage/hook/reconcile (admin): emit publish events the lineage store misses. */
  async lineageHookReconcile() {
    return unwrap('POST', await this.api.POST('/openlineage/hook/reconcile'));
  }
}

export type { OpKey };
