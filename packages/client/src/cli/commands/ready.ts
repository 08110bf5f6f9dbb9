/** `strata ready <versionId>`: may the version be used now (SPV proofs of its lineage, advisories, a policy). */
import { defineCommand, EXIT } from '../framework';
import { hex64 } from './args';

export const ready = defineCommand({
  name: 'ready',
  summary: 'may a version be used now: proofs of its whole lineage, advisories, optionally a policy',
  description:
    'GET /ready. Prints the decision with the lowest confirmation count over the lineage. Exits 0 when ready, 3 when not (the reason says why: headers-unavailable until the server has block headers, missing-envelope:<versionId> until a declaration is proved, advisory-blocked, policy-blocked).',
  args: [{ name: 'versionId', description: 'the version (64 hex)', required: true }],
  options: { policy: { type: 'string', value: '<policyId>', description: 'also evaluate this stored policy' } },
  examples: ['strata ready 9f86d0…', 'strata ready 9f86d0… --policy pol_default --json'],
  async run(ctx) {
    const versionId = hex64(ctx.args.versionId, 'versionId');
    const policyId = ctx.str('policy');
    const client = await ctx.services.client();
    const r = await client.ready(versionId, policyId ? { policyId } : {});
    return {
      json: { versionId, ...r },
      exitCode: r.ready ? EXIT.ok : EXIT.negative,
      human: () => {
        const lines = [
          r.ready
            ? `ready: ${versionId} (${r.confirmations} confirmation${r.confirmations === 1 ? '' : 's'}, best height ${r.bestHeight ?? '-'})`
            : `not ready: ${r.reason ?? 'unknown'} (${versionId})`,
        ];
        for (const w of r.warnings) lines.push(`  warning: ${w}`);
        if (r.policy) lines.push(`  policy: ${r.policy.decision}${r.policy.reasons.length ? ` — ${r.policy.reasons.join(', ')}` : ''}`);
        return lines.join('\n');
      },
    };
  },
});
