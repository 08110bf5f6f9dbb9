/** `strata policy create|list|evaluate`: stored D28 policies and their decisions on a version. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Body } from '../../client';
import { defineCommand, EXIT, usageError, type CommandContext } from '../framework';
import { hex64 } from './args';

type PolicyDocument = Body<'/policies', 'post'>['policy'];

/** A policy document from --file (JSON; `-` is stdin is not supported) or --json-doc text. */
async function policyDocument(ctx: CommandContext): Promise<PolicyDocument | undefined> {
  const file = ctx.str('file');
  const text = ctx.str('document');
  if (file && text) throw usageError('give --file or --document, not both');
  let raw: string | undefined = text;
  if (file) {
    try {
      raw = await readFile(resolve(ctx.io.cwd, file), 'utf8');
    } catch (e) {
      throw usageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (raw === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw usageError(`${file ?? '--document'} is not JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw usageError('a policy document is a JSON object');
  // accept a whole `{name, policy}` file too
  const o = doc as Record<string, unknown>;
  return (o.policy && typeof o.policy === 'object' ? o.policy : o) as PolicyDocument;
}

const docOptions = {
  file: { type: 'string', value: '<file.json>', description: 'the policy document (JSON; a {name, policy} object works too)' },
  document: { type: 'string', value: '<json>', description: 'the policy document inline, e.g. \'{"minConfs":1}\'' },
} as const;

const create = defineCommand({
  name: 'create',
  summary: 'store a named policy (admin token)',
  description: 'POST /policies. The document is validated field by field by the server (unknown rules are refused, naming them). Prints the new policy id.',
  args: [{ name: 'name', description: 'a name for the policy', required: true }],
  options: { ...docOptions, disabled: { type: 'boolean', description: 'store it disabled' } },
  examples: ['strata policy create strict --document \'{"minConfs":1,"licenseAllowList":["CC-BY-4.0"]}\''],
  async run(ctx) {
    const policy = await policyDocument(ctx);
    if (!policy) throw usageError('give the policy document with --file or --document');
    const client = await ctx.services.client({ admin: true });
    const r = (await client.createPolicy({ name: ctx.args.name as string, policy, ...(ctx.bool('disabled') ? { enabled: false } : {}) })) as Record<string, unknown>;
    return { json: r, human: `${String(r.policyId)}  ${String(ctx.args.name)}` };
  },
});

const list = defineCommand({
  name: 'list',
  summary: 'stored policies, newest first',
  options: {
    enabled: { type: 'boolean', description: 'only enabled policies' },
    limit: { type: 'string', value: '<n>', description: 'page size (≤ 200)' },
    offset: { type: 'string', value: '<n>', description: 'skip this many' },
  },
  async run(ctx) {
    const limit = ctx.int('limit', { min: 1, max: 200 });
    const offset = ctx.int('offset', { min: 0 });
    const client = await ctx.services.client();
    const page = (await client.policies({
      ...(ctx.bool('enabled') ? { enabled: 'true' } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(offset !== undefined ? { offset } : {}),
    })) as { items?: Array<{ policyId: string; name: string; enabled: boolean }> };
    const items = page.items ?? [];
    return {
      json: page,
      human: items.length ? items.map((p) => `${p.policyId}  ${p.enabled ? 'enabled ' : 'disabled'}  ${p.name}`).join('\n') : 'no policies',
    };
  },
});

const evaluate = defineCommand({
  name: 'evaluate',
  summary: 'a stored (--policy) or inline (--file/--document) policy against a version',
  description:
    'POST /policies/evaluate with the facts gathered now (confirmations, lineage, advisories, manifest). Prints allow, warn or block with the reason codes. Exits 0 for allow and warn, 3 for block.',
  args: [{ name: 'versionId', description: 'the version (64 hex)', required: true }],
  options: { policy: { type: 'string', value: '<policyId>', description: 'a stored policy (default pol_default when no document is given)' }, ...docOptions },
  examples: ['strata policy evaluate 9f86d0… --policy pol_default', 'strata policy evaluate 9f86d0… --document \'{"minConfs":6}\''],
  async run(ctx) {
    const versionId = hex64(ctx.args.versionId, 'versionId');
    const doc = await policyDocument(ctx);
    const policyId = ctx.str('policy');
    if (doc && policyId) throw usageError('give --policy or a document, not both');
    const client = await ctx.services.client();
    const r = await client.evaluatePolicy({ versionId, ...(doc ? { policy: doc } : { policyId: policyId ?? 'pol_default' }) });
    return {
      json: { versionId, ...r },
      exitCode: r.decision === 'block' ? EXIT.negative : EXIT.ok,
      human: () =>
        [`${r.decision}: ${versionId}`, ...r.reasons.map((x) => `  reason: ${x}`), ...r.warnings.map((x) => `  warning: ${x}`)].join('\n'),
    };
  },
});

export const policy = defineCommand({
  name: 'policy',
  summary: 'D28 policies: create, list, evaluate against a version',
  subcommands: [create, list, evaluate],
});
