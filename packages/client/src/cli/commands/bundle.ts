/** `strata bundle <versionId>`: the lineage bundle (manifests, edges, SPV proofs) for offline verification. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand } from '../framework';
import { hex64, shortId } from './args';

export const bundle = defineCommand({
  name: 'bundle',
  summary: 'the lineage bundle of a version: manifests, edges and SPV proofs with live confirmations',
  description:
    'GET /bundle. Everything needed to verify a version and its ancestry offline. Human output summarises it; --out writes the whole bundle as JSON to a file; --json prints it. The server answers 409 incomplete-lineage while a version in the lineage has no proof yet.',
  args: [{ name: 'versionId', description: 'the version (64 hex)', required: true }],
  options: {
    depth: { type: 'string', value: '<n>', description: 'parent hops to include (server default BUNDLE_DEFAULT_DEPTH)' },
    out: { type: 'string', value: '<file>', description: 'write the bundle JSON to this file' },
  },
  examples: ['strata bundle 9f86d0… --out bundle.json'],
  async run(ctx) {
    const versionId = hex64(ctx.args.versionId, 'versionId');
    const depth = ctx.int('depth', { min: 0, max: 100 });
    const client = await ctx.services.client();
    const b = await client.bundle(versionId, depth === undefined ? {} : { depth });
    const out = ctx.str('out');
    if (out) await writeFile(resolve(ctx.io.cwd, out), `${JSON.stringify(b, null, 2)}\n`);
    return {
      json: b,
      human: () =>
        [
          `bundle of ${versionId}`,
          `  versions    ${b.graph.nodes.length} (${b.graph.edges.length} edge${b.graph.edges.length === 1 ? '' : 's'})`,
          `  proofs      ${b.proofs.length}, minimum ${b.confirmations} confirmation${b.confirmations === 1 ? '' : 's'}${b.unstable ? ' (unstable: a reorg could still drop one)' : ''}`,
          `  tip         ${b.tip.height} ${shortId(b.tip.hash)}`,
          ...b.graph.edges.map((e) => `  edge        ${shortId(e.child)} ← ${shortId(e.parent)}`),
          ...(out ? [`  written to  ${out}`] : []),
        ].join('\n'),
    };
  },
});
