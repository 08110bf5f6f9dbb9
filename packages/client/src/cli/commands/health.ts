/** `strata health`: the server's tiers (database, cache, storage, queue) and whether each answers. */
import { StrataHttpError } from '../../problem';
import { defineCommand, EXIT } from '../framework';

type Tier = { tier: string; ok: boolean; latencyMs: number; error?: string };

export const health = defineCommand({
  name: 'health',
  summary: 'is the server up: each tier (database, cache, storage, queue) and its latency',
  description: 'GET /health. Exits 0 when every tier answers, 1 when the server is degraded (the JSON names the failing tiers), 5 when the server cannot be reached.',
  examples: ['strata health', 'STRATA_URL=https://strata.example strata health --json'],
  async run(ctx) {
    const client = await ctx.services.client();
    let body: Record<string, unknown>;
    let degraded = false;
    try {
      body = (await client.health()) as unknown as Record<string, unknown>;
    } catch (e) {
      // a degraded server answers 503 with the same Health document
      if (!(e instanceof StrataHttpError) || e.status !== 503) throw e;
      try {
        body = JSON.parse(e.body) as Record<string, unknown>;
      } catch {
        throw e;
      }
      if (!('database' in body)) throw e;
      degraded = true;
    }
    degraded ||= body.status !== 'ok';
    const tiers = ['database', 'cache', 'storage', 'queue'] as const;
    return {
      json: { url: ctx.services.discovery.url.origin, ...body },
      exitCode: degraded ? EXIT.failed : EXIT.ok,
      human: () =>
        [
          `${ctx.services.discovery.url.origin}: ${String(body.status)}`,
          ...tiers.map((t) => {
            const x = body[t] as Tier | undefined;
            return x ? `  ${t.padEnd(9)} ${x.ok ? 'ok  ' : 'FAIL'} ${x.tier.padEnd(10)} ${x.latencyMs.toFixed(1)} ms${x.error ? `  ${x.error}` : ''}` : `  ${t}: -`;
          }),
        ].join('\n'),
    };
  },
});
