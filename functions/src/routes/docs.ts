/**
 * The reference: GET /openapi.json, GET /docs (swagger-ui from the package's own assets,
 * under a CSP that allows nothing from elsewhere) and GET /docs/errors (where every problem's
 * `type` points). `FEATURE_FLAGS_JSON.docs: false` hides the interactive page only: the
 * document and the error codes stay, since problems link to them.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Deps } from '@strata/core/deps';
import { StrataError } from '@strata/core/errors';
import { renderErrorsHtml } from '../docs/errors-page';
import { DOCS_CSP, docsHtml, INIT_JS, uiAssets, uiVersion } from '../docs/ui';
import type { AppEnv } from '../env';
import { buildOpenApiDocument, registerReferenceComponents } from '../openapi/document';
import { SECURITY } from '../openapi/security';
import { errorResponses } from '../problem';

const ERRORS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const IMMUTABLE = 'public, max-age=31536000, immutable';
const ASSET_TYPES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'init.js': 'text/javascript; charset=utf-8',
} as const;

function documentPaths(app: OpenAPIHono<AppEnv>, docsPage: boolean): void {
  const html = { 'text/html': { schema: z.string() } };
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['reference'],
    summary: 'This OpenAPI 3.1 document',
    description: 'Every operation with its parameters, bodies, responses and security requirement; generated from the route definitions on first request.',
    security: SECURITY.public,
    responses: { 200: { description: 'The document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs/errors',
    tags: ['reference'],
    summary: 'The error codes: what each means and what to do',
    description: 'Every problem’s `type` is `/docs/errors#<code>`: this page, at the code’s section.',
    security: SECURITY.public,
    responses: { 200: { description: 'HTML page', content: html } },
  });
  if (!docsPage) return;
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['reference'],
    summary: 'This interactive reference',
    description: 'swagger-ui served from this server (no CDN); its script, stylesheet and initialiser live under `/docs/assets/<swagger-ui version>/`.',
    security: SECURITY.public,
    responses: { 200: { description: 'HTML page', content: html } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs/assets/{version}/{file}',
    tags: ['reference'],
    summary: 'A file of the interactive reference',
    description: 'The swagger-ui bundle, its stylesheet and the initialiser, cacheable for good (the version is in the path).',
    security: SECURITY.public,
    request: { params: z.object({ version: z.string().openapi({ example: '5.35.0' }), file: z.enum(Object.keys(ASSET_TYPES) as [keyof typeof ASSET_TYPES]) }) },
    responses: { 200: { description: 'The file' }, ...errorResponses('not-found') },
  });
}

export function registerDocs(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  const docsPage = deps.config.FEATURE_FLAGS_JSON?.docs !== false;
  registerReferenceComponents(app);
  documentPaths(app, docsPage);

  // The document describes routes fixed at build time: generated on the first request and then
  // sent as the same text (zod-openapi rebuilds it from every schema on each call, tens of
  // milliseconds of CPU and a heap's worth of garbage).
  let openapiText: string | undefined;
  app.get('/openapi.json', (c) => {
    openapiText ??= JSON.stringify(buildOpenApiDocument(app));
    return c.body(openapiText, 200, { 'content-type': 'application/json' });
  });

  let errorsHtml: string | undefined;
  app.get('/docs/errors', (c) => {
    errorsHtml ??= renderErrorsHtml();
    return c.body(errorsHtml, 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': ERRORS_CSP });
  });

  if (!docsPage) return;
  app.get('/docs', async (c) =>
    c.body(docsHtml(await uiVersion()), 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DOCS_CSP, 'cache-control': 'no-cache' }),
  );
  app.get('/docs/assets/:version/:file', async (c) => {
    const { version, file } = c.req.param();
    if (version !== (await uiVersion()) || !Object.hasOwn(ASSET_TYPES, file)) throw new StrataError('not-found', 'No such reference asset.', { hint: `Load /docs for the current asset paths.` });
    const name = file as keyof typeof ASSET_TYPES;
    const body = name === 'init.js' ? INIT_JS : name === 'swagger-ui.css' ? (await uiAssets()).css : (await uiAssets()).js;
    return c.body(body, 200, { 'content-type': ASSET_TYPES[name], 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' });
  });
}
