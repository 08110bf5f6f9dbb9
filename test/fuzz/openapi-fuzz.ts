/**
 * Schema-driven fuzzing of the HTTP API: requests generated with fast-check from the app's own
 * OpenAPI document (`GET /openapi.json`), for every operation it lists and every parameter and
 * body field — valid-looking values mixed with wrong types, boundary numbers, NUL, unpaired
 * surrogates, huge and deeply nested values, wrong content types, missing and duplicated
 * fields. Each request is sent to the app's `fetch` in-process and judged:
 *
 * - no 5xx (the tiers are healthy during a run);
 * - every 4xx is problem+json whose `error` matches its status; a 400/415 names the field or
 *   parameter in `issues`;
 * - a refused request (4xx) wrote nothing: no row of any table inserted, updated or deleted.
 *
 * Operations are whatever the document lists, so routes added later join the fuzz unchanged.
 * Used by test/fuzz/openapi.fuzz.test.ts (CI size) and test/fuzz/run.ts (`npm run fuzz`).
 */
import fc from 'fast-check';
import type { Sql } from '@strata/core/ports/sql';

type Schema = Record<string, unknown>;
interface Param {
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly name: string;
  readonly required?: boolean;
  readonly schema?: Schema;
}
export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly params: readonly Param[];
  readonly body: Schema | null;
  readonly bodyRequired: boolean;
}

export interface FuzzRequest {
  readonly op: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array<ArrayBuffer> | null;
}

export interface Finding {
  readonly kind: '5xx' | 'not-problem' | 'unnamed' | 'stored' | 'threw';
  readonly request: { op: string; method: string; url: string; headers: Record<string, string>; body: string | null };
  readonly status: number;
  readonly detail: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly requests: number;
  readonly operations: readonly string[];
  readonly covered: readonly string[];
  readonly statuses: Record<string, number>;
  readonly fiveXx: number;
  /** 503s seen (only allowed while a tier is made to fail) */
  readonly unavailable: number;
  readonly findings: readonly Finding[];
}

export interface FuzzTarget {
  readonly fetch: (req: Request) => Promise<Response>;
  readonly sql: Sql;
  /** Waits for background work, so row counts are compared after it. */
  readonly settle: () => Promise<void>;
  readonly tokens: { readonly admin: string; readonly ingest: string };
}

const STATUS_OF_ERROR: Record<string, number> = {
  'bad-request': 400, 'validation-failed': 400, unauthorized: 401, forbidden: 403, 'not-found': 404, conflict: 409, gone: 410,
  'payload-too-large': 413, 'unsupported-media-type': 415, 'rate-limited': 429, 'invalid-envelope': 409, 'incomplete-lineage': 409,
  'policy-not-found': 404, 'quote-expired': 410, 'template-mismatch': 409, 'already-consumed': 409, 'content-mismatch': 409,
  'quota-exceeded': 409, expired: 403, 'invalid-signature': 401, 'nonce-replayed': 401,
};

// ---------------------------------------------------------------------------------------------
// The document

function deref(doc: Schema, s: unknown): Schema {
  let x = (s ?? {}) as Schema;
  for (let i = 0; i < 20 && typeof x.$ref === 'string'; i++) {
    const name = (x.$ref as string).replace('#/components/schemas/', '');
    x = ((doc.components as Schema).schemas as Record<string, Schema>)[name] ?? {};
  }
  return x;
}

/** Every operation the document lists, with parameters and JSON body schema resolved. */
export function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(item)) {
      const rb = op.requestBody as { required?: boolean; content?: Record<string, { schema?: unknown }> } | undefined;
      const jsonSchema = rb?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: ((op.parameters as Param[] | undefined) ?? []).map((p) => ({ ...p, schema: deref(doc, p.schema) })),
        body: jsonSchema === undefined ? null : resolveDeep(doc, jsonSchema, 0),
        bodyRequired: rb?.required === true,
      });
    }
  }
  return ops;
}

function resolveDeep(doc: Schema, s: unknown, depth: number): Schema {
  const x = deref(doc, s);
  if (depth > 12) return x;
  const out: Schema = { ...x };
  if (x.properties) out.properties = Object.fromEntries(Object.entries(x.properties as Record<string, unknown>).map(([k, v]) => [k, resolveDeep(doc, v, depth + 1)]));
  if (x.items) out.items = resolveDeep(doc, x.items, depth + 1);
  if (x.additionalProperties && typeof x.additionalProperties === 'object') out.additionalProperties = resolveDeep(doc, x.additionalProperties, depth + 1);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(x[k])) out[k] = (x[k] as unknown[]).map((v) => resolveDeep(doc, v, depth + 1));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', '%ff', '%00', '%', '../../etc/passwd', "' OR 1=1 --", '"; DROP TABLE manifests; --',
  '<script>alert(1)</script>', '\u202e\u0041', '💣'.repeat(50), '\r\nx-injected: 1', 'null', 'true', '0', '-1', '1e309', 'NaN', '{}', '[]',
  '__proto__', 'constructor', 'ab'.repeat(32), 'AB'.repeat(32), 'pol_default', 'prod_0123456789abcdef', 'ag_0123456789abcdef', '*', ':', '\\',
];
const BOUNDARY_NUMBERS = [
  0, -0, 1, -1, 0.5, 1e-7, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e308, -1e308, 5e-324,
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)) }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);
const hostileNumber = fc.oneof(fc.constantFrom(...BOUNDARY_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
/** Deep nesting, sent as text (JSON.stringify would recurse). */
const DEEP = Symbol('deep');
const deepValue = fc.integer({ min: 100, max: 20_000 }).map((n) => ({ [DEEP]: n }));
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 5 }),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  deepValue,
);

function patternString(pattern: string): fc.Arbitrary<string> | null {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return null;
  }
}

/** A value for `s`: mostly valid-looking, with a hostile replacement at any node. */
export function valueOf(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const valid = validOf(s ?? {}, depth);
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 2, arbitrary: wrongType });
}

function typesOf(s: Schema): string[] {
  const t = s.type;
  return Array.isArray(t) ? (t as string[]).filter((x) => x !== 'null') : typeof t === 'string' ? [t] : [];
}

function validOf(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...(s.enum as unknown[]));
  for (const k of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[k]) && (s[k] as unknown[]).length > 0) return fc.oneof(...(s[k] as Schema[]).map((x) => validOf(x, depth)));
  const type = typesOf(s)[0];
  if (type === 'string') {
    const pat = typeof s.pattern === 'string' ? patternString(s.pattern) : null;
    const min = typeof s.minLength === 'number' ? s.minLength : 0;
    const max = typeof s.maxLength === 'number' ? Math.min(s.maxLength, 80) : 40;
    const lengths = fc.string({ minLength: Math.min(min, max), maxLength: Math.max(min, max) });
    const edges = typeof s.maxLength === 'number' ? fc.constantFrom('x'.repeat(s.maxLength), 'x'.repeat(s.maxLength + 1)) : fc.constant('x');
    return pat ? fc.oneof({ weight: 4, arbitrary: pat }, { weight: 1, arbitrary: edges }) : fc.oneof({ weight: 4, arbitrary: lengths }, { weight: 1, arbitrary: edges });
  }
  if (type === 'integer' || type === 'number') {
    const min = typeof s.minimum === 'number' ? s.minimum : -(2 ** 31);
    const max = typeof s.maximum === 'number' ? s.maximum : 2 ** 31 - 1;
    const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
    const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
    return fc.oneof(fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) }), fc.constantFrom(lo, hi, lo - 1, hi + 1, (lo + hi) / 2 + 0.5));
  }
  if (type === 'boolean') return fc.boolean();
  if (type === 'null') return fc.constant(null);
  if (type === 'array') {
    if (depth > 6) return fc.constant([]);
    const items = valueOf(s.items as Schema | undefined, depth + 1);
    return fc.array(items, { minLength: typeof s.minItems === 'number' ? Math.min(s.minItems, 3) : 0, maxLength: 4 });
  }
  if (type === 'object' || s.properties || s.additionalProperties) {
    if (depth > 6) return fc.constant({});
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) fields[k] = valueOf(v, depth + 1);
    // missing fields: now and then any of them, required or not, is left out
    const base = Object.keys(fields).length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.record(fields) }, { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) }) : fc.constant({});
    const extra = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'k\u0000', '\ud800', 'constructor')), wrongType, { maxKeys: 3 });
    return fc.tuple(base, fc.option(extra, { freq: 3 })).map(([b, e]) => (e ? { ...e, ...(b as object) } : b));
  }
  return wrongType;
}

/** JSON text of `v`; deep markers become nested arrays built as text. */
export function toJson(v: unknown): string {
  if (v !== null && typeof v === 'object' && DEEP in (v as object)) {
    const n = (v as { [DEEP]: number })[DEEP];
    return `${'['.repeat(n)}1${']'.repeat(n)}`;
  }
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return 'null';
  return JSON.stringify(v) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// Requests

const CONTENT_TYPES = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/vnd.api+json', 'APPLICATION/JSON', 'json', '', 'application/json\u0000') },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Percent-encoding that cannot throw: a lone surrogate goes out as the (invalid) UTF-8 of its code unit. */
function pct(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) out += encodeURIComponent(s.slice(i, ++i + 1));
      else if (c >= 0xd800 && c <= 0xdfff) out += `%ED%${(0xa0 | ((c >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
      else out += encodeURIComponent(s[i]!);
    }
    return out;
  }
}

function encodeQueryValue(v: unknown): string {
  return pct(typeof v === 'string' ? v : toJson(v));
}

/** Raw percent-encoding, sometimes malformed on purpose. */
const rawPart = (v: unknown) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(encodeQueryValue(v)) },
    { weight: 1, arbitrary: fc.constantFrom('%ff', '%', '%E0%A4%A', '%ED%A0%80', '%00', '%c0%af') },
  );

function requestArb(op: Operation, tokens: FuzzTarget['tokens']): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const pathArb = fc.tuple(...pathParams.map((p) => valueOf(p.schema).chain(rawPart))).map((vals) => {
    let i = 0;
    return op.path.replace(/\{[^}]+\}/g, () => (vals[i++] || 'x').slice(0, 3000));
  });
  const oneQuery = (p: Param) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant<string[]>([]) },
      { weight: 6, arbitrary: valueOf(p.schema).chain(rawPart).map((v) => [`${pct(p.name)}=${v.slice(0, 5000)}`]) },
      // duplicated parameter
      { weight: 1, arbitrary: fc.tuple(valueOf(p.schema).chain(rawPart), valueOf(p.schema).chain(rawPart)).map(([a, b]) => [`${p.name}=${a.slice(0, 200)}`, `${p.name}=${b.slice(0, 200)}`]) },
    );
  const strayQuery = fc.option(fc.tuple(hostileString, hostileString).map(([k, v]) => `${pct(k.slice(0, 50))}=${pct(v.slice(0, 200))}`), { freq: 5 });
  const queryArb = fc.tuple(fc.tuple(...queryParams.map(oneQuery)), strayQuery).map(([parts, stray]) => [...parts.flat(), ...(stray ? [stray] : [])].join('&'));
  const auth = fc.constantFrom<Record<string, string>>(
    { authorization: `Bearer ${tokens.admin}` },
    { authorization: `Bearer ${tokens.admin}` },
    { authorization: `Bearer ${tokens.ingest}` },
    {},
    { authorization: 'Bearer wrong' },
    { authorization: 'Basic \u00ff' },
  );
  const identity = headerParams.length > 0 || op.path.startsWith('/agents')
    ? fc.option(fc.record({ 'x-identity-key': fc.oneof(fc.constant('02' + 'ab'.repeat(32)), fc.string({ maxLength: 70 })), 'x-nonce': fc.string({ maxLength: 140 }), 'x-signature': fc.string({ maxLength: 150 }) }), { freq: 2 })
    : fc.constant(null);
  // bodies: the schema's, for operations without one sometimes a stray body, and duplicated keys
  const bodyArb: fc.Arbitrary<string | null> = op.body
    ? fc.oneof(
        { weight: 10, arbitrary: valueOf(op.body).map(toJson) },
        { weight: 1, arbitrary: fc.tuple(valueOf(op.body), fc.string({ maxLength: 10 }), wrongType).map(([v, k, w]) => dupKey(toJson(v), k, w)) },
        { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":', 'null', '[]', '"x"', '1', '{"__proto__":{"x":1}}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}') },
        { weight: 1, arbitrary: fc.constant(null) },
      )
    : op.method === 'GET' || op.method === 'HEAD'
      ? fc.constant(null)
      : fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrongType.map(toJson) });
  return fc
    .record({ path: pathArb, query: queryArb, auth, identity, body: bodyArb, type: CONTENT_TYPES })
    .map(({ path, query, auth: a, identity: id, body, type }): FuzzRequest => {
      const headers: Record<string, string> = { ...a, ...(id ?? {}) };
      const bodyHeaders: Record<string, string> = body !== null && type !== undefined ? { 'content-type': type.replace(/\u0000/g, '') } : {};
      return {
        op: `${op.method} ${op.path}`,
        method: op.method,
        url: `http://fuzz.local${path}${query ? `?${query}` : ''}`,
        headers: { ...headers, ...bodyHeaders },
        // a body without a Content-Type: bytes (a string would be sent as text/plain)
        body: body === null ? null : type === undefined ? new TextEncoder().encode(body) : body,
      };
    });
}

function dupKey(json: string, key: string, other: unknown): string {
  if (!json.startsWith('{') || json === '{}') return json;
  const m = /^\{("(?:[^"\\]|\\.)*"):/.exec(json);
  const k = m ? m[1]! : JSON.stringify(key);
  return `${json.slice(0, -1)},${k}:${toJson(other)}}`;
}

/** All operations' requests, evenly: each draw picks an operation, then its request. */
export function requestsArb(ops: readonly Operation[], tokens: FuzzTarget['tokens']): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...ops.map((op) => requestArb(op, tokens)));
}

// ---------------------------------------------------------------------------------------------
// Running and judging

/**
 * Rows written per table since the start, kept by a row-level trigger on every table: one small
 * read per request instead of a count(*) of every table, and it sees updates and deletes too,
 * which a row count would miss. Installed in the throwaway database under test only.
 */
export async function rowCounter(sql: Sql): Promise<() => Promise<Record<string, number>>> {
  // partitioned tables carry the trigger to their partitions
  const rows = await sql.query<{ t: string }>(
    "SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname NOT LIKE 'fuzz_%' ORDER BY 1",
  );
  await sql.query('CREATE TABLE IF NOT EXISTS fuzz_writes (tbl text PRIMARY KEY, n bigint NOT NULL)');
  await sql.query(`CREATE OR REPLACE FUNCTION fuzz_count_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO fuzz_writes (tbl, n) VALUES (TG_TABLE_NAME, 1) ON CONFLICT (tbl) DO UPDATE SET n = fuzz_writes.n + 1;
      RETURN NULL;
    END $$`);
  for (const { t } of rows) {
    await sql.query(`DROP TRIGGER IF EXISTS fuzz_count_write ON "${t}"`);
    await sql.query(`CREATE TRIGGER fuzz_count_write AFTER INSERT OR UPDATE OR DELETE ON "${t}" FOR EACH ROW EXECUTE FUNCTION fuzz_count_write()`);
  }
  return async () => {
    const r = await sql.query<{ tbl: string; n: number | string }>('SELECT tbl, n FROM fuzz_writes');
    return Object.fromEntries(r.map((x) => [x.tbl, Number(x.n)]));
  };
}

function describeRequest(r: FuzzRequest): Finding['request'] {
  const body = r.body === null ? null : typeof r.body === 'string' ? r.body : new TextDecoder().decode(r.body);
  return { op: r.op, method: r.method, url: r.url.slice(0, 500), headers: r.headers, body: body === null ? null : body.slice(0, 500) };
}

/** Judges one request; `state.snapshot` holds the row counts as of the last request. */
async function judge(target: FuzzTarget, req: FuzzRequest, counts: () => Promise<Record<string, number>>, state: { snapshot: Record<string, number>; allow503: boolean }, findings: Finding[], statuses: Record<string, number>): Promise<void> {
  let res: Response;
  try {
    res = await target.fetch(new Request(req.url, { method: req.method, headers: req.headers, ...(req.body !== null ? { body: req.body } : {}) }));
  } catch (e) {
    findings.push({ kind: 'threw', request: describeRequest(req), status: 0, detail: String(e) });
    return;
  }
  const text = await res.text();
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  const add = (kind: Finding['kind'], detail: string): void => void findings.push({ kind, request: describeRequest(req), status: res.status, detail: detail.slice(0, 600) });
  // every refused request is checked against the counts after the last request; a success moves them on
  await target.settle();
  const after = await counts();
  const before = state.snapshot;
  state.snapshot = after;
  if (res.status >= 500) {
    // 503 only while a tier is made to fail, and then as a problem naming the failure
    if (res.status === 503 && state.allow503 && res.headers.get('content-type')?.includes('json')) return;
    return add('5xx', text);
  }
  if (res.status < 400) return;
  const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
  if (changed.length > 0) add('stored', `rows written: ${changed.map((t) => `${t} +${after[t]! - (before[t] ?? 0)}`).join(', ')}; answer ${text}`);
  // a HEAD answer carries no body (RFC 9110 §9.3.2): only its status and content type can be judged
  if (req.method === 'HEAD') {
    if (res.headers.get('content-type') !== 'application/problem+json' || text !== '') add('not-problem', `${res.headers.get('content-type')} ${text}`);
    return;
  }
  let body: { error?: string; issues?: { path?: string }[]; detail?: string } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* judged below */
  }
  if (res.headers.get('content-type') !== 'application/problem+json' || !body || typeof body.detail !== 'string' || STATUS_OF_ERROR[body.error ?? ''] !== res.status) {
    return add('not-problem', `${res.headers.get('content-type')} ${text}`);
  }
  if ((res.status === 400 || res.status === 415) && !(body.issues ?? []).some((i) => typeof i.path === 'string' && i.path.length > 0)) {
    return add('unnamed', text);
  }
}

/** Sends `count` generated requests (seeded) and reports what it saw. */
export async function runFuzz(
  target: FuzzTarget,
  o: { count: number; seed: number; batch?: number; onProgress?: (n: number) => void; /** a tier is down: 503 is an answer */ allow503?: boolean },
): Promise<FuzzReport> {
  const docRes = await target.fetch(new Request('http://fuzz.local/openapi.json'));
  const ops = operationsOf((await docRes.json()) as Schema);
  const arb = requestsArb(ops, target.tokens);
  const counts = await rowCounter(target.sql);
  const findings: Finding[] = [];
  const statuses: Record<string, number> = {};
  const covered = new Set<string>();
  await target.settle();
  const state = { snapshot: await counts(), allow503: o.allow503 ?? false };
  const timing = new Map<string, number>();
  const batch = o.batch ?? 250;
  let sent = 0;
  for (let b = 0; sent < o.count; b++) {
    const reqs = fc.sample(arb, { seed: o.seed + b, numRuns: Math.min(batch, o.count - sent) });
    for (const req of reqs) {
      const t0 = performance.now();
      await judge(target, req, counts, state, findings, statuses);
      timing.set(req.op, (timing.get(req.op) ?? 0) + performance.now() - t0);
      covered.add(req.op);
      sent++;
    }
    o.onProgress?.(sent);
  }
  await target.settle();
  if (process.env.FUZZ_PROFILE) console.log([...timing].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${Math.round(v)} ms ${k}`).join('\n'));
  return {
    seed: o.seed,
    requests: sent,
    operations: ops.map((op) => `${op.method} ${op.path}`),
    covered: [...covered].sort(),
    statuses,
    fiveXx: findings.filter((f) => f.kind === '5xx').length,
    unavailable: statuses[503] ?? 0,
    findings,
  };
}
