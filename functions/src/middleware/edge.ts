/**
 * The parsing edge: one set of rules for every route, applied before any route code runs, so a
 * route added tomorrow gets them without a patch (docs/adr/0042).
 *
 * - Path and query: malformed percent-encoding → 400; a NUL in any path or query string → 400
 *   (PostgreSQL rejects NUL in text, and a 500 from the database is not an answer).
 * - Body of a route whose OpenAPI entry takes JSON: a wrong or missing Content-Type → 415; bytes
 *   that are not UTF-8 → 400; a NUL or an unpaired surrogate in any string or key → 400 naming
 *   the field (`body.manifest.tags.0`). The route table is read from the app's own OpenAPI
 *   registry, so the document and the edge cannot disagree about which routes take JSON.
 * - Bodies a route did not read are drained after the answer (or the connection is marked
 *   `close` when the body is too large to drain), so a keep-alive client's next request on the
 *   same connection is not read from the middle of the last body.
 *
 * Routes outside the registry (`/blobs/*` carries content, not API bodies; `/metrics`) only get
 * the path and query rules. The lineage ingest routes read their own (possibly gzip) bodies and
 * check them with lineage/json-guard.ts.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { StrataError, type FieldIssue } from '@strata/core/errors';
import type { AppEnv } from '../env';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** JSON text that may hold a NUL or a surrogate escape; only then is the body walked. */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;.*)?$/i;
const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Unread bodies up to this size are drained after the answer; larger ones close the connection. */
export const DRAIN_MAX_BYTES = 8 * 1024 * 1024;

interface RouteEntry {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly json: boolean;
  readonly bodyRequired: boolean;
}

/** What is wrong with a string, or null. */
export function badText(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (an unpaired surrogate was found)';
  return null;
}

/** The first NUL or unpaired surrogate in a parsed JSON value (strings and keys), iteratively. */
export function badJson(root: unknown, prefix: string): FieldIssue | null {
  const stack: { v: unknown; path: string }[] = [{ v: root, path: prefix }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return { path, message: bad };
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: `${path}.${i}` });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const bad = badText(k);
        if (bad) return { path: `${path}.${k}`, message: `key ${bad}` };
        stack.push({ v: x, path: `${path}.${k}` });
      }
    }
  }
  return null;
}

function invalid(path: string, message: string, detail = 'The request is not valid; see `issues`.'): StrataError {
  return new StrataError('validation-failed', detail, { issues: [{ path, message }] });
}

/** Reads the registry once: method, path pattern, param names, and whether the body is JSON. */
function routeTable(app: OpenAPIHono<AppEnv>): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const d of app.openAPIRegistry.definitions) {
    if (d.type !== 'route') continue;
    const r = d.route;
    const params: string[] = [];
    const source = r.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    const content = (r.request?.body as { content?: Record<string, unknown>; required?: boolean } | undefined)?.content ?? {};
    out.push({
      method: r.method.toUpperCase(),
      pattern: new RegExp(`^${source}/?$`),
      params,
      // `x-strata-raw-body`: the route reads and checks its own body (the lineage ingest routes)
      json: Object.keys(content).some((t) => JSON_TYPE.test(t)) && (r as { 'x-strata-raw-body'?: boolean })['x-strata-raw-body'] !== true,
      bodyRequired: (r.request?.body as { required?: boolean } | undefined)?.required === true,
    });
  }
  return out;
}

function findRoute(table: readonly RouteEntry[], method: string, path: string): { entry: RouteEntry; values: string[] } | null {
  for (const entry of table) {
    if (entry.method !== method) continue;
    const m = entry.pattern.exec(path);
    if (m) return { entry, values: m.slice(1) };
  }
  return null;
}

function decodePart(s: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s);
  } catch {
    return null;
  }
}

/** Path rules: every segment decodes as UTF-8 and holds no NUL; names the route's param when known. */
function checkPath(rawPath: string, route: { entry: RouteEntry; values: string[] } | null): void {
  if (!rawPath.includes('%')) return;
  for (const seg of rawPath.split('/')) {
    const decoded = decodePart(seg, false);
    const bad = decoded === null ? 'is not valid percent-encoded UTF-8' : badText(decoded);
    if (!bad) continue;
    const i = route ? route.values.indexOf(seg) : -1;
    const name = i >= 0 ? `path.${route!.entry.params[i]}` : 'path';
    throw invalid(name, bad, decoded === null ? 'The path is not valid percent-encoding.' : undefined);
  }
}

/** Query rules: every name and value decodes and holds no NUL. */
function checkQuery(rawQuery: string): void {
  if (!rawQuery.includes('%')) return;
  for (const pair of rawQuery.split('&')) {
    if (!pair.includes('%')) continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decodePart(rawName, true);
    if (name === null || badText(name)) throw invalid('query', `parameter name ${name === null ? 'is not valid percent-encoded UTF-8' : badText(name)}`);
    if (eq < 0) continue;
    const value = decodePart(pair.slice(eq + 1), true);
    const bad = value === null ? 'is not valid percent-encoded UTF-8' : badText(value);
    if (bad) throw invalid(`query.${name}`, bad);
  }
}

/** Body rules for a JSON route: the type, UTF-8, and no NUL or lone surrogate anywhere. */
async function checkJsonBody(c: Context<AppEnv>, entry: RouteEntry): Promise<void> {
  const type = c.req.header('content-type');
  // On Node every POST carries a body stream, an empty one included: without a type, only
  // bytes actually sent count as a body (read at most BODY_LIMIT_BYTES: the limit ran first)
  const hasBody = c.req.raw.body !== null && (type !== undefined || entry.bodyRequired || (await c.req.arrayBuffer()).byteLength > 0);
  if (type === undefined ? hasBody || entry.bodyRequired : !JSON_TYPE.test(type)) {
    throw new StrataError('unsupported-media-type', `This route takes application/json, not ${type ?? 'a body without a Content-Type'}.`, {
      hint: 'Send Content-Type: application/json.',
      issues: [{ path: 'header.content-type', message: 'must be application/json' }],
    });
  }
  if (!hasBody) return;
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('body', 'is not valid UTF-8');
  }
  // the routes read the body as text (validators, identity signatures): hand them this decoding
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text); // Hono keeps promises there
  if (!SUSPECT_ESCAPE.test(text)) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return; // malformed JSON is the validator's 400
  }
  const issue = badJson(parsed, 'body');
  if (issue) throw new StrataError('validation-failed', 'The request is not valid; see `issues`.', { issues: [issue] });
}

/** The input rules (path, query, JSON bodies). Runs after the body-size limit. */
export function inputEdge(app: OpenAPIHono<AppEnv>): MiddlewareHandler<AppEnv> {
  let table: RouteEntry[] | undefined;
  return async (c, next) => {
    const url = c.req.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const q = url.indexOf('?', start);
    const rawPath = q < 0 ? url.slice(start) : url.slice(start, q);
    const method = c.req.method;
    const needsRoute = rawPath.includes('%') || !NO_BODY.has(method);
    table ??= routeTable(app);
    const route = needsRoute ? findRoute(table, method, rawPath) : null;
    checkPath(rawPath, route);
    if (q >= 0) checkQuery(url.slice(q + 1));
    if (route?.entry.json) await checkJsonBody(c, route.entry);
    await next();
  };
}

/**
 * After the answer: a body the route never read is drained in the background (on Node the
 * socket carries the client's next request after it), or the answer says `Connection: close`
 * when the body is larger than DRAIN_MAX_BYTES or of unknown length.
 */
export function releaseBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (NO_BODY.has(c.req.method)) return;
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (!chunked && (length === undefined || length === '0')) return;
    const raw = c.req.raw;
    if (raw.bodyUsed || raw.body === null || raw.body.locked) return;
    const declared = length === undefined ? Number.NaN : Number(length);
    if (!(declared <= DRAIN_MAX_BYTES)) {
      if (c.get('deps').runtime === 'node') c.header('connection', 'close');
      return;
    }
    const reader = raw.body.getReader();
    const drain = async () => {
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        n += value.byteLength;
        if (n > DRAIN_MAX_BYTES) return void (await reader.cancel());
      }
    };
    // a client gone mid-body ends the drain with an error: nothing to report
    void drain().catch(() => undefined);
  };
}

/** True when `err` (or the request's signal) says the client went away mid-request. */
export function isClientAbort(c: Context, err: unknown): boolean {
  if (c.req.raw.signal?.aborted) return true;
  const e = err as { name?: string; code?: string; message?: string } | null;
  return !!e && (e.name === 'AbortError' || e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted');
}
