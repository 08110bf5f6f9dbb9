/**
 * The API reference tells the truth and cannot drift: every operation in /openapi.json states
 * summary, description, responses and its security requirement; problem responses name
 * documented codes; the bodies core validates are described field by field with examples
 * that parse; every problem `type` resolves to its code's section of /docs/errors; the
 * committed docs/api.md, docs/errors.md and swagger-ui assets equal what `npm run docs`
 * generates now; /docs loads nothing from another origin.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_EXAMPLE, parseManifest } from '@strata/core/catalog/manifest';
import { ERROR_DOCS } from '@strata/core/error-docs';
import { ERROR_CODES } from '@strata/core/errors';
import { parseEvent, RUN_EVENT_EXAMPLE } from '@strata/core/lineage/schema';
import { parsePolicy, POLICY_EXAMPLE } from '@strata/core/policy/schema';
import { renderApiMarkdown, renderErrorsMarkdown } from '@strata/functions/docs/markdown';
import { SWAGGER_UI_CSS_GZ, SWAGGER_UI_JS_GZ, SWAGGER_UI_VERSION } from '@strata/functions/docs/swagger-ui.generated';
import { STATUS } from '@strata/functions/problem';
import { API_MD, ERRORS_MD, swaggerUiFiles } from '../../functions/docs';
import { adminAuth, embeddedDeps, ingestAuth, type TestStack } from '../support/deps';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

let stack: TestStack;
let doc: Json;
beforeAll(async () => {
  stack = await embeddedDeps();
  doc = (await (await stack.app.request('/openapi.json')).json()) as Json;
});
afterAll(() => stack.close());

function operations(): { id: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((m) => ({ id: `${m.toUpperCase()} ${path}`, op: (item as Json)[m] as Json })),
  );
}

/** Every property (at any depth) of a JSON schema without a description, by dotted path. */
function undescribed(schema: Json, path = ''): string[] {
  const out: string[] = [];
  const visit = (s: Json | undefined, at: string) => {
    if (!s || typeof s !== 'object') return;
    for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])] as Json[]) visit(alt, at);
    if (s.items) visit(s.items, `${at}[]`);
    for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
      const child = at ? `${at}.${name}` : name;
      if (!p.description) out.push(child);
      visit(p, child);
    }
  };
  visit(schema, path);
  return out;
}

describe('the OpenAPI document', () => {
  it('gives every operation a summary, a description, responses and a security requirement (or the explicit public marker)', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(40);
    const schemes = Object.keys(doc.components.securitySchemes as Json);
    const missing = ops.flatMap(({ id, op }) => {
      const gaps: string[] = [];
      if (!op.summary?.trim()) gaps.push('summary');
      if (!op.description?.trim() || op.description.length < 20) gaps.push('description');
      if (!op.responses || Object.keys(op.responses).length === 0) gaps.push('responses');
      if (!Array.isArray(op.security)) gaps.push('security');
      for (const alt of (op.security ?? []) as Json[]) for (const name of Object.keys(alt)) if (!schemes.includes(name)) gaps.push(`unknown scheme ${name}`);
      return gaps.map((g) => `${id}: ${g}`);
    });
    expect(missing).toEqual([]);
  });

  it('declares the admin bearer, ingest bearer and identity signature schemes and applies them where the middleware checks them', () => {
    const s = doc.components.securitySchemes as Json;
    expect(s.adminBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(s.ingestBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect([s.identityKey.name, s.identityNonce.name, s.identitySignature.name]).toEqual(['X-Identity-Key', 'X-Nonce', 'X-Signature']);
    const op = (path: string, m: string) => doc.paths[path][m] as Json;
    expect(op('/api/v1/lineage', 'post').security).toEqual([{ ingestBearer: [] }, { adminBearer: [] }]);
    expect(op('/admin/dead-letters', 'get').security).toEqual([{ adminBearer: [] }]);
    expect(op('/producers/register', 'post').security).toEqual([{ identityKey: [], identityNonce: [], identitySignature: [] }]);
    expect(op('/listings', 'get').security).toEqual([]);
  });

  it('states the truth about security: a public operation answers without credentials, a guarded one refuses them', async () => {
    // one request per kind, with the credential the document names and without it
    const noCred = await stack.app.request('/admin/dead-letters');
    expect(noCred.status).toBe(401);
    expect((await stack.app.request('/admin/dead-letters', { headers: adminAuth })).status).toBe(200);
    const ingest = await stack.app.request('/api/v1/lineage', { method: 'POST', body: JSON.stringify(RUN_EVENT_EXAMPLE), headers: { 'content-type': 'application/json' } });
    expect(ingest.status).toBe(401);
    const ingested = await stack.app.request('/api/v1/lineage', { method: 'POST', body: JSON.stringify(RUN_EVENT_EXAMPLE), headers: { 'content-type': 'application/json', ...ingestAuth } });
    expect(ingested.status).toBe(201);
    const signed = await stack.app.request('/producers/register', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect((await signed.json()) as Json).toMatchObject({ error: 'invalid-signature' });
    expect((await stack.app.request('/listings')).status).toBe(200);
  });

  it('documents the lineage dataset, job and run reads with the members the server sends', async () => {
    await stack.app.request('/api/v1/lineage', { method: 'POST', body: JSON.stringify(RUN_EVENT_EXAMPLE), headers: { 'content-type': 'application/json', ...ingestAuth } });
    const members = (name: string): string[] => {
      const s = doc.components.schemas[name] as Json;
      const own = (x: Json): string[] => (x.$ref ? members(x.$ref.split('/').pop()) : Object.keys(x.properties ?? {}));
      return (s.allOf ? (s.allOf as Json[]).flatMap(own) : own(s)).sort();
    };
    const reads: [string, string, string][] = [
      ['/openlineage/nodes/dataset/grandmas.kitchen/apple.pie', 'dataset', 'LineageDataset'],
      ['/openlineage/jobs/grandmas.kitchen/bake.apple_pie', 'job', 'LineageJob'],
      [`/openlineage/runs/${RUN_EVENT_EXAMPLE.run.runId}`, 'run', 'LineageRun'],
    ];
    for (const [path, key, schema] of reads) {
      const res = await stack.app.request(path);
      expect(res.status, path).toBe(200);
      const body = (await res.json()) as Json;
      expect(Object.keys(body[key] as Json).sort(), path).toEqual(members(schema));
    }
  });

  it('documents the request body of every POST, PUT and PATCH, the lineage ingest included', () => {
    const without = operations()
      .filter(({ id }) => /^(POST|PUT|PATCH) /.test(id))
      // these take no body: the id is in the path, the limit in the query
      .filter(({ id }) => !['POST /agents/{id}/ping', 'POST /openlineage/hook/reconcile'].includes(id))
      .filter(({ op }) => !op.requestBody?.content)
      .map(({ id }) => id);
    expect(without).toEqual([]);
    const single = doc.paths['/api/v1/lineage'].post.requestBody.content['application/json'].schema as Json;
    expect(single.oneOf.map((s: Json) => s.$ref)).toEqual(['OpenLineageRunEvent', 'OpenLineageJobEvent', 'OpenLineageDatasetEvent'].map((n) => `#/components/schemas/${n}`));
    expect(JSON.stringify(doc.paths['/api/v1/lineage/batch'].post.requestBody)).toContain('#/components/schemas/OpenLineageRunEvent');
    const submit = doc.components.schemas.SubmitRequest as Json;
    expect(submit.properties.manifest.allOf).toEqual([{ $ref: '#/components/schemas/DLM1Manifest' }]);
    expect(JSON.stringify(doc.paths['/policies'].post.requestBody)).toContain('#/components/schemas/PolicyDocument');
  });

  it('describes the manifest, the policy document and the OpenLineage events field by field, with examples that parse', () => {
    for (const name of ['DLM1Manifest', 'PolicyDocument', 'OpenLineageRunEvent', 'OpenLineageJobEvent', 'OpenLineageDatasetEvent']) {
      const schema = doc.components.schemas[name] as Json;
      expect(schema.description, name).toBeTruthy();
      expect(schema.example, name).toBeDefined();
      expect(undescribed(schema), name).toEqual([]);
    }
    expect(Object.keys(doc.components.schemas.DLM1Manifest.properties)).toEqual(expect.arrayContaining(['type', 'datasetId', 'content', 'provenance', 'policy', 'signatures']));
    expect(Object.keys(doc.components.schemas.PolicyDocument.properties)).toContain('minConfs');
    // the examples the reference shows are accepted by the validators the routes use
    expect(doc.components.schemas.DLM1Manifest.example).toEqual(MANIFEST_EXAMPLE);
    expect(parseManifest(doc.components.schemas.DLM1Manifest.example).datasetId).toBe(MANIFEST_EXAMPLE.datasetId);
    expect(parsePolicy(doc.components.schemas.PolicyDocument.example)).toMatchObject({ minConfs: POLICY_EXAMPLE.minConfs });
    for (const name of ['OpenLineageRunEvent', 'OpenLineageJobEvent', 'OpenLineageDatasetEvent']) {
      const r = parseEvent(doc.components.schemas[name].example);
      expect(r.ok, `${name}: ${JSON.stringify(r)}`).toBe(true);
    }
  });

  it('names, for every problem response, codes that exist with the status it is listed under, linked to their documentation', () => {
    const bad: string[] = [];
    let seen = 0;
    for (const { id, op } of operations()) {
      for (const [status, r] of Object.entries(op.responses as Json)) {
        if (!(r as Json).content?.['application/problem+json']) continue;
        const codes = [...String((r as Json).description).matchAll(/\[`([a-z-]+)`\]\(\/docs\/errors#([a-z-]+)\)/g)];
        if (codes.length === 0) bad.push(`${id} ${status}: names no code`);
        for (const [, code, anchor] of codes) {
          seen++;
          if (code !== anchor || !(ERROR_CODES as readonly string[]).includes(code!)) bad.push(`${id} ${status}: ${code}`);
          else if (String(STATUS[code as keyof typeof STATUS]) !== status) bad.push(`${id} ${status}: ${code} is ${STATUS[code as keyof typeof STATUS]}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(seen).toBeGreaterThan(100);
  });

  it('describes only what is built: every path the descriptions name is served, and nothing unbuilt is promised', () => {
    const prose = [doc.info.description, ...(doc.tags as Json[]).map((t) => t.description)].join('\n');
    const named = [...prose.matchAll(/`(?:(?:GET|POST|PUT|PATCH|DELETE) )?(\/[a-z0-9/_{}.-]*)`/g)].map((m) => m[1]!.replace(/\/$/, ''));
    expect(named.length).toBeGreaterThan(0);
    const paths = Object.keys(doc.paths);
    expect(named.filter((p) => !paths.includes(p))).toEqual([]);
    // payments and delivery may be described once their routes exist
    if (!paths.some((p) => /^\/(pay|price|payments)\b/.test(p))) expect(prose).not.toMatch(/payment/i);
    if (!paths.some((p) => /^\/v1\/(data|uploads)\b/.test(p))) expect(prose).not.toMatch(/deliver/i);
  });
});

describe('error codes', () => {
  it('documents every code in the error table: title, meaning and what to do', () => {
    for (const code of ERROR_CODES) {
      const d = ERROR_DOCS[code];
      expect(d, code).toBeDefined();
      expect(d.title.length, code).toBeGreaterThan(2);
      expect(d.meaning.length, code).toBeGreaterThan(20);
      expect(d.action.length, code).toBeGreaterThan(10);
    }
    expect(Object.keys(ERROR_DOCS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('serves /docs/errors with one section per code, where every problem type resolves', async () => {
    const res = await stack.app.request('/docs/errors');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    for (const code of ERROR_CODES) expect(html, code).toContain(`<section id="${code}">`);
    // real problems from three layers (router, auth middleware, core validation) point there
    const problems = [
      await stack.app.request('/no/such/route'),
      await stack.app.request('/admin/dead-letters'),
      await stack.app.request('/submit', { method: 'POST', body: JSON.stringify({ rawTx: 'z', manifest: {} }), headers: { 'content-type': 'application/json' } }),
    ];
    const seen = new Set<string>();
    for (const p of problems) {
      const body = (await p.json()) as Json;
      expect(body.type).toBe(`/docs/errors#${body.error}`);
      const [path, anchor] = String(body.type).split('#');
      const page = await (await stack.app.request(path!)).text();
      expect(page).toContain(`<section id="${anchor}">`);
      seen.add(body.error);
    }
    expect([...seen].sort()).toEqual(['not-found', 'unauthorized', 'validation-failed']);
  });
});

describe('the generated files match what the code generates now (run `npm run docs` after a change)', () => {
  it('docs/api.md is the OpenAPI document rendered', () => {
    expect(readFileSync(API_MD, 'utf8')).toBe(renderApiMarkdown(doc));
  });

  it('docs/errors.md is the error table rendered', () => {
    expect(readFileSync(ERRORS_MD, 'utf8')).toBe(renderErrorsMarkdown());
  });

  it('the embedded swagger-ui assets are the installed swagger-ui-dist files', () => {
    const pkg = swaggerUiFiles();
    expect(SWAGGER_UI_VERSION).toBe(pkg.version);
    expect(gunzipSync(Buffer.from(SWAGGER_UI_JS_GZ, 'base64')).toString('utf8')).toBe(pkg.js);
    expect(gunzipSync(Buffer.from(SWAGGER_UI_CSS_GZ, 'base64')).toString('utf8')).toBe(pkg.css);
  });
});

describe('/docs', () => {
  it('is served from this origin only, under a CSP that forbids remote and inline scripts', async () => {
    const res = await stack.app.request('/docs');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    const html = await res.text();
    const srcs = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs).toEqual([`/docs/assets/${SWAGGER_UI_VERSION}/swagger-ui.css`, `/docs/assets/${SWAGGER_UI_VERSION}/swagger-ui-bundle.js`, `/docs/assets/${SWAGGER_UI_VERSION}/init.js`]);
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    for (const src of srcs) {
      const asset = await stack.app.request(src);
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
    }
    const js = await (await stack.app.request(srcs[1]!)).text();
    expect(js).toBe(swaggerUiFiles().js);
    expect(await (await stack.app.request(srcs[2]!)).text()).toContain("url: '/openapi.json'");
  });

  it('answers another version or file of the assets with a not-found problem', async () => {
    const res = await stack.app.request('/docs/assets/0.0.0/swagger-ui-bundle.js');
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toBe('not-found');
    expect((await stack.app.request(`/docs/assets/${SWAGGER_UI_VERSION}/package.json`)).status).toBe(404);
  });

  it('with FEATURE_FLAGS_JSON.docs false hides the page but keeps the document and the error codes', async () => {
    const off = await embeddedDeps({ FEATURE_FLAGS_JSON: JSON.stringify({ docs: false }) });
    try {
      expect((await off.app.request('/docs')).status).toBe(404);
      expect((await off.app.request('/docs/errors')).status).toBe(200);
      expect((await off.app.request('/openapi.json')).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
