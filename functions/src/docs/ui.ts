/**
 * The interactive reference at /docs: swagger-ui from the package (see swagger-ui.generated.ts,
 * written by `npm run docs`), served by this app on every host — no CDN, nothing loaded from
 * elsewhere, and a Content-Security-Policy that forbids it. The generated module is imported on
 * first use, so a request that never asks for the reference never evaluates it.
 */

/** Where the assets are served; the version in the path lets browsers keep them for good. */
export const assetBase = (version: string) => `/docs/assets/${version}`;

/**
 * Scripts, styles, fonts and connections only from this origin. swagger-ui sets inline style
 * attributes and draws its icons as data: SVGs, hence the two exceptions; no script may run
 * inline or from anywhere else.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page: the stylesheet, the bundle and the initialiser, all from this origin. */
export function docsHtml(version: string): string {
  const base = assetBase(version);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata API reference</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
</head>
<body>
<noscript>The interactive reference needs JavaScript. The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>; error codes at <a href="/docs/errors">/docs/errors</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="${base}/init.js"></script>
</body>
</html>
`;
}

/**
 * swagger-ui's options: the document from this origin, no validator badge (it would call an
 * outside service), deep links to operations.
 */
export const INIT_JS = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
});
`;

/** UTF-8 bytes, encoded once: a 1.7 MB string would otherwise be re-encoded on every response. */
export interface UiAssets {
  readonly version: string;
  readonly js: Uint8Array<ArrayBuffer>;
  readonly css: Uint8Array<ArrayBuffer>;
}

let assets: Promise<UiAssets> | undefined;

async function gunzip(b64: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The bundle and stylesheet, unpacked once per isolate. */
export function uiAssets(): Promise<UiAssets> {
  assets ??= (async () => {
    const m = await import('./swagger-ui.generated');
    const [js, css] = await Promise.all([gunzip(m.SWAGGER_UI_JS_GZ), gunzip(m.SWAGGER_UI_CSS_GZ)]);
    return { version: m.SWAGGER_UI_VERSION, js, css };
  })();
  assets.catch(() => (assets = undefined));
  return assets;
}

/** The version the generated module carries, without unpacking anything. */
export async function uiVersion(): Promise<string> {
  return (await import('./swagger-ui.generated')).SWAGGER_UI_VERSION;
}
