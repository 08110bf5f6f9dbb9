/**
 * Headless Chromium for page tests: Debian's /usr/bin/chromium driven by playwright-core (no
 * browser download). Every request to anything but the server under test is recorded and
 * aborted, so a page that would need the network fails visibly instead of silently fetching.
 * Without Chromium a suite skips by name; under STRATA_REQUIRE_SERVICES=1 it fails (CI
 * installs it in .ci/run).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { requireServices } from './reachable';

export const CHROMIUM = process.env.STRATA_TEST_CHROMIUM ?? '/usr/bin/chromium';

export function describeWithBrowser(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, fn);
    return;
  }
  if (requireServices) throw new Error(`${name}: ${CHROMIUM} is missing (STRATA_REQUIRE_SERVICES=1; apt-get install chromium)`);
  describe.skip(`${name} [skipped: ${CHROMIUM} missing]`, fn);
}

export interface OfflineBrowser {
  readonly context: BrowserContext;
  /** URLs of requests the page tried outside `origin` (all aborted). */
  readonly remote: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh profile whose only reachable origin is `origin`. */
export async function offlineBrowser(origin: string): Promise<OfflineBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'strata-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    offline: false,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // no host name resolves: whatever the browser itself might fetch has no network either
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const remote: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin) return route.continue();
    remote.push(url);
    return route.abort('blockedbyclient');
  });
  return {
    context,
    remote,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
