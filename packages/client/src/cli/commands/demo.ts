/**
 * `strata demo`: fills a fresh local instance with a small marketplace (packages/client/src/demo,
 * docs/adr/0062-demo-marketplace.md) — producers, versions with parents across datasets, their
 * content, prices, policies, Marquez's OpenLineage demo and dev-chain proofs. Idempotent; refused
 * by a server that does not trust the dev chain.
 */
import type { PrivateKey } from '@bsv/sdk';
import { StrataClient } from '../../client';
import { DemoRefused, runDemo } from '../../demo/marketplace';
import { CliError, defineCommand, EXIT } from '../framework';

export const demo = defineCommand({
  name: 'demo',
  summary: 'fill a local instance with a small marketplace: producers, versions, content, prices, policies, lineage, proofs',
  description:
    'Publishes eleven versions of seven datasets from three producers (parents within and across datasets and producers), uploads their CSV content, sets prices, stores two policies, ingests the 26 OpenLineage events of Marquez’s food_delivery demo and mines dev-chain blocks that prove every declaration. Running it again changes nothing but the chain’s height. Only a server that trusts the dev chain (the embedded default, or a local stack with DEV_CHAIN=true) accepts it: the demo producers’ keys are public.',
  options: { blocks: { type: 'string', value: '<n>', description: 'dev-chain blocks to mine after publishing (default 3)' } },
  examples: ['strata demo', 'strata demo --json | jq -r ".versions[] | [.datasetId, .versionId] | @tsv"'],
  async run(ctx) {
    const blocks = ctx.int('blocks', { min: 1, max: 100 }) ?? 3;
    const [adminToken, ingestToken] = await Promise.all([ctx.services.adminToken(), ctx.services.ingestToken()]);
    const d = ctx.services.discovery;
    const client = (identityKey?: PrivateKey) =>
      new StrataClient({
        baseUrl: d.url.origin + d.url.pathname.replace(/\/+$/, ''),
        ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}),
        adminToken,
        ingestToken,
        ...(identityKey ? { identityKey } : {}),
      });
    let r: Awaited<ReturnType<typeof runDemo>>;
    try {
      r = await runDemo({ client, blocks, onStep: (line) => ctx.note(line) });
    } catch (e) {
      if (e instanceof DemoRefused) throw new CliError(e.message, { exitCode: EXIT.failed, error: 'demo-refused', hint: 'run it against `npm start` on a fresh checkout, or a local stack with DEV_CHAIN=true' });
      throw e;
    }
    return {
      json: r,
      human: () => {
        const lines = [`demo marketplace on ${d.url.origin}: ${r.versions.length} versions, ${r.producers.length} producers, ${r.policies.length} policies, ${r.lineage.events} lineage events, chain height ${r.chain.height}`];
        for (const v of r.versions) lines.push(`  ${v.versionId}  ${v.datasetId.padEnd(38)} ${v.satoshis} sat  ${v.name}`);
        for (const p of r.policies) lines.push(`  ${p.policyId}  ${p.name}`);
        return lines.join('\n');
      },
    };
  },
});
