/** Shared helpers for the lineage API suites: stacks on both tiers, ingest and query calls. */
import { afterAll, beforeAll, describe } from 'vitest';
import { embeddedDeps, serviceDeps, type TestStack } from './deps';
import { describeWith } from './reachable';
import { call, replyOf, type Reply } from './catalog-http';
import { clientOf } from './client';

export { call, type Reply };

/** Registers `suite` on the embedded stack and, when PostgreSQL and Redis answer, on real services. */
export async function forEachStack(name: string, env: Record<string, string>, suite: (stack: () => TestStack) => void): Promise<void> {
  const register = (label: string, open: () => Promise<TestStack>) =>
    describe(`${name} [${label}]`, () => {
      let s: TestStack | undefined;
      beforeAll(async () => {
        s = await open();
      }, 60_000);
      afterAll(async () => {
        await s?.close();
      }, 60_000);
      suite(() => s!);
    });
  register('embedded', () => embeddedDeps(env));
  await describeWith(['postgres', 'redis'], `${name} on PostgreSQL + Upstash`, () => {
    register('services', () => serviceDeps({ env }));
  });
}

/**
 * POST one event with the ingest token (the typed client). With `headers` the request carries
 * exactly those instead (a credential under test): a wire-level `call`.
 */
export async function ingest(s: Pick<TestStack, 'app'>, event: unknown, headers?: Record<string, string>): Promise<Reply> {
  if (headers) return call(s, 'POST', '/api/v1/lineage', { body: event, headers });
  return replyOf(await clientOf(s).api.POST('/api/v1/lineage', { body: event as never }));
}

/** POST an array of events. */
export async function ingestBatch(s: Pick<TestStack, 'app'>, events: unknown[]): Promise<Reply> {
  return replyOf(await clientOf(s).api.POST('/api/v1/lineage/batch', { body: events as never }));
}

/** GET the lineage graph with these query parameters. */
export async function graph(s: Pick<TestStack, 'app'>, params: Record<string, string | number>, ip?: string): Promise<Reply> {
  const query = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return replyOf(await clientOf(s, ip ? { ip } : {}).api.GET('/openlineage/lineage', { params: { query: query as never } }));
}

/** Sorted node names of a `simple` graph body. */
export const nodeNames = (body: { nodes?: { name: string }[] }) => (body.nodes ?? []).map((n) => n.name).sort();
/** Sorted `from>to` edge names (last segment of each node id) of a `simple` graph body. */
export const edgeNames = (body: { edges?: { from: string; to: string }[] }) =>
  (body.edges ?? []).map((e) => `${e.from.split(':').pop()}>${e.to.split(':').pop()}`).sort();

/** A run reading `ins` and writing `outs` (dataset refs `[namespace, name]`). */
export function link(runId: string, ins: [string, string][], outs: [string, string][], o: { eventType?: string; eventTime?: string; job?: string } = {}) {
  return {
    eventType: o.eventType ?? 'COMPLETE',
    eventTime: o.eventTime ?? '2024-01-01T00:00:00Z',
    producer: 'https://example.test/producer',
    run: { runId },
    job: { namespace: 'jobs', name: o.job ?? `job-${runId}` },
    inputs: ins.map(([namespace, name]) => ({ namespace, name })),
    outputs: outs.map(([namespace, name]) => ({ namespace, name })),
  };
}
