/** `strata listings [q]`: search published versions. */
import { defineCommand } from '../framework';

export const listings = defineCommand({
  name: 'listings',
  summary: 'search published versions (words match name, description and datasetId)',
  description: 'GET /listings, newest first. With --preview each version carries a cheap, non-binding policy decision (ready decides).',
  args: [{ name: 'q', description: 'search words (prefix match)' }],
  options: {
    dataset: { type: 'string', value: '<datasetId>', description: 'only versions of this dataset' },
    producer: { type: 'string', value: '<producerId>', description: 'only versions of this producer (prod_…)' },
    limit: { type: 'string', value: '<n>', description: 'page size, 1–200 (default 50)' },
    offset: { type: 'string', value: '<n>', description: 'skip this many' },
    preview: { type: 'boolean', description: 'add a policy preview per version' },
    policy: { type: 'string', value: '<policyId>', description: 'policy for the preview (default pol_default)' },
  },
  examples: ['strata listings weather', 'strata listings --dataset ds-weather --json'],
  async run(ctx) {
    const q = ctx.args.q as string | undefined;
    const limit = ctx.int('limit', { min: 1, max: 200 });
    const offset = ctx.int('offset', { min: 0 });
    const client = await ctx.services.client();
    const page = await client.listings({
      ...(q !== undefined ? { q } : {}),
      ...(ctx.str('dataset') ? { datasetId: ctx.str('dataset') } : {}),
      ...(ctx.str('producer') ? { producerId: ctx.str('producer') } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(offset !== undefined ? { offset } : {}),
      ...(ctx.bool('preview') ? { policyPreview: 'true' as const } : {}),
      ...(ctx.str('policy') ? { policyId: ctx.str('policy') } : {}),
    });
    return {
      json: page,
      human: () => {
        if (page.items.length === 0) return q ? `no versions match ${JSON.stringify(q)}` : 'no versions published yet';
        return page.items
          .map((i) => `${i.versionId}  ${i.datasetId}  ${i.name ?? '-'}${i.policyPreview ? `  [${i.policyPreview.decision}]` : ''}`)
          .join('\n');
      },
    };
  },
});
