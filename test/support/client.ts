/**
 * The typed client (@strata/client) bound to a test stack: requests go to the in-process app
 * (`app.request`), presigned URLs of the app's own /blobs route too, any other URL (s3rver) to
 * the network. Tokens are the stacks' fixed ones; identity timestamps follow the stack's clock.
 * No retries unless asked for: suites assert the server's own answers (a 503, a 429) and count
 * its work per request.
 */
import type { PrivateKey } from '@bsv/sdk';
import { StrataClient, type FetchLike, type StrataClientOptions } from '@strata/client';
import { TEST_ADMIN_TOKEN, TEST_INGEST_TOKEN, type TestStack } from './deps';

/** The embedded stacks' PUBLIC_BASE_URL: presigned URLs naming it go to the app. */
export const APP_BASE = 'http://strata.test';

/** `fetch` into `app`; `ip` plays the client address. */
export function appFetch(stack: Pick<TestStack, 'app'>, ip = '203.0.113.7'): FetchLike {
  const env = { incoming: { socket: { remoteAddress: ip } } };
  return async (req) => stack.app.request(req, undefined, env);
}

/** A client of `stack`'s app (admin and ingest tokens set; `signer` as identity key). */
export function clientOf(
  stack: Pick<TestStack, 'app'> & { deps?: TestStack['deps'] },
  o: Partial<StrataClientOptions> & { signer?: PrivateKey; ip?: string } = {},
): StrataClient {
  const { signer, ip, ...rest } = o;
  const toApp = appFetch(stack, ip);
  const clock = stack.deps?.clock;
  return new StrataClient({
    baseUrl: APP_BASE,
    fetch: toApp,
    blobFetch: (req) => (req.url.startsWith(`${APP_BASE}/`) ? toApp(req) : globalThis.fetch(req)),
    adminToken: TEST_ADMIN_TOKEN,
    ingestToken: TEST_INGEST_TOKEN,
    ...(signer ? { identityKey: signer } : {}),
    ...(clock ? { now: () => clock.now() } : {}),
    retry: { retries: 0, baseDelayMs: 10, maxDelayMs: 100 },
    ...rest,
  });
}
