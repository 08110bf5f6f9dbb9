/** `strata tokens`: the admin and ingest tokens the command would use, and where each came from. */
import { CliError } from '../framework';
import { defineCommand } from '../framework';
import { findToken, type FoundToken } from '../discovery';

export const tokens = defineCommand({
  name: 'tokens',
  summary: 'show the admin and ingest tokens in use and where each came from',
  description:
    'Looks for each token in the discovery order — --admin-token/--ingest-token, STRATA_ADMIN_TOKEN/STRATA_INGEST_TOKEN, ADMIN_TOKEN/INGEST_TOKEN, then (for a server on this machine) the tokens file the embedded server wrote — and prints it with its source. Use it to configure other tools, e.g. an OpenLineage client: OPENLINEAGE_API_KEY=$(strata tokens --json | jq -r .ingest.token).',
  examples: ['strata tokens', 'strata tokens --json | jq -r .ingest.token'],
  async run(ctx) {
    const d = ctx.services.discovery;
    const out: Record<string, FoundToken | { error: string }> = {};
    let found = 0;
    for (const kind of ['admin', 'ingest'] as const) {
      try {
        out[kind] = await findToken(kind, ctx.options, ctx.io, d);
        found++;
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        out[kind] = { error: e.message };
      }
    }
    if (found === 0) throw new CliError(`no tokens found for ${d.url.origin}`, { exitCode: 2, error: 'missing-token', problem: { tokens: out } });
    return {
      json: { url: d.url.origin, ...out },
      human: () =>
        (['admin', 'ingest'] as const)
          .map((k) => {
            const t = out[k]!;
            return 'token' in t ? `${k.padEnd(7)} ${t.token}  (${t.source})` : `${k.padEnd(7)} -  (${t.error})`;
          })
          .join('\n'),
    };
  },
});
