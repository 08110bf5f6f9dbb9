/**
 * /docs in headless Chromium with no network: the page loads its script, stylesheet and the
 * OpenAPI document from the server alone, renders every operation, and neither tries another
 * host nor trips its own Content-Security-Policy.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, offlineBrowser, type OfflineBrowser } from '../support/browser';
import { embeddedDeps, type TestStack } from '../support/deps';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

describeWithBrowser('/docs in headless Chromium without network', () => {
  let stack: TestStack;
  let server: ServerType;
  let origin: string;
  let browser: OfflineBrowser;

  beforeAll(async () => {
    stack = await embeddedDeps();
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: stack.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await offlineBrowser(origin);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await stack?.close();
  });

  it('renders every operation of /openapi.json from local assets only', async () => {
    const doc = (await (await stack.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));

    const page = await browser.newPage();
    const violations: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(String(e)));
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });

    const res = await page.goto(`${origin}/docs`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    // the title comes from the document: the UI fetched and parsed /openapi.json
    await expect.poll(() => page.locator('.info .title').innerText()).toContain('Strata API');

    const rendered = await page.$$eval('.opblock', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    expect([...new Set(rendered)].sort()).toEqual([...new Set(expected)].sort());
    expect(browser.remote).toEqual([]);
    expect(failed).toEqual([]);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('opens an operation with its description, security and request body schema', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/docs#/lineage/post_api_v1_lineage`, { waitUntil: 'load' });
    const op = page.locator('#operations-lineage-post_api_v1_lineage');
    await op.waitFor({ timeout: 20_000 });
    await expect.poll(() => op.innerText(), { timeout: 10_000 }).toContain('OpenLineage HTTP transport');
    const text = await op.innerText();
    // the request body's example comes from the core schema's documentation
    expect(text).toContain('Request body');
    expect(text).toContain('"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"');
    expect(await op.locator('.authorization__btn').count()).toBeGreaterThan(0);
    expect(browser.remote).toEqual([]);
    await page.close();
  });

  it('the harness sees and blocks a request to another host (so the checks above can fail)', async () => {
    const page = await browser.newPage();
    // a page without a CSP (the reference pages' own policy would stop this before the network)
    await page.goto(`${origin}/health`, { waitUntil: 'load' });
    await page.evaluate(() => fetch('https://cdn.example.com/swagger-ui-bundle.js').catch(() => undefined));
    expect(browser.remote).toEqual(['https://cdn.example.com/swagger-ui-bundle.js']);
    browser.remote.length = 0;
    await page.close();
  });

  it('renders /docs/errors with a section per code under its own CSP', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${origin}/docs/errors#nonce-replayed`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(await page.locator('section#nonce-replayed h2').innerText()).toContain('nonce-replayed');
    expect(await page.locator('section').count()).toBeGreaterThan(20);
    expect(browser.remote).toEqual([]);
    await page.close();
  });
});
