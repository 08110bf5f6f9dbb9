/**
 * `strata dev-chain init | mine [N] | run | status` (docs/adr/0061-dev-chain.md): the local
 * chain of low-difficulty headers a server on the embedded default (or a local stack with
 * DEV_CHAIN=true) trusts. The server mines and proves (POST /dev-chain/blocks); these commands
 * ask it to, with the admin token.
 */
import { unwrap, type Answer, type StrataClient } from '../../client';
import { StrataProblem } from '../../problem';
import { CliError, defineCommand, EXIT, type CommandContext } from '../framework';

type Mined = Answer<'/dev-chain/blocks', 'post'>;

/** The server's own refusal, turned into what to do about it. */
function explain(e: unknown): never {
  if (e instanceof StrataProblem && e.hint === 'dev-chain-off') {
    throw new CliError(e.detail, {
      error: 'dev-chain-off',
      hint: 'the embedded default trusts it unless DEV_CHAIN=false; a local stack needs DEV_CHAIN=true (refused for a non-local STAGE, a remote DATABASE_URL, HEADERS_SOURCE or ARC)',
      problem: { ...e.toJSON() },
    });
  }
  if (e instanceof StrataProblem && e.hint === 'not-dev-chain') {
    throw new CliError(e.detail, { error: 'not-dev-chain', hint: 'this server holds another chain; a dev chain needs an empty header store', problem: { ...e.toJSON() } });
  }
  throw e;
}

async function admin(ctx: CommandContext): Promise<StrataClient> {
  return ctx.services.client({ admin: true });
}

export async function mineBlocks(client: StrataClient, count: number): Promise<Mined> {
  try {
    return await unwrap('POST', await client.api.POST('/dev-chain/blocks', { body: { count } }));
  } catch (e) {
    explain(e);
  }
}

function describeMined(m: Mined): string {
  const lines = [`mined ${m.blocks.length} block${m.blocks.length === 1 ? '' : 's'}: tip ${m.tip.height} ${m.tip.hash}`];
  const d = m.proved.declarations;
  const p = m.proved.payments;
  if (d.length) lines.push(`  proved ${d.length} declaration${d.length === 1 ? '' : 's'}: ${d.map((x) => `${x.versionId.slice(0, 12)}… (${x.confirmations} conf)`).join(', ')}`);
  if (p.length) lines.push(`  proved ${p.length} payment${p.length === 1 ? '' : 's'}: ${p.map((x) => `${x.receiptId} ${x.status} (${x.confirmations} conf)`).join(', ')}`);
  for (const f of m.failed) lines.push(`  not proved: ${f.kind} ${f.txid}: ${f.reason}`);
  return lines.join('\n');
}

const status = defineCommand({
  name: 'status',
  summary: 'whether the server trusts the dev chain, its tip and what is still unproven',
  description: 'GET /dev-chain (admin). Exits 3 when the server does not trust the dev chain (the reason says why).',
  examples: ['strata dev-chain status', 'strata dev-chain status --json'],
  async run(ctx) {
    const s = await unwrap('GET', await (await admin(ctx)).api.GET('/dev-chain'));
    return {
      json: s,
      exitCode: s.enabled ? EXIT.ok : EXIT.negative,
      human: () =>
        [
          `dev chain: ${s.enabled ? 'on' : 'off'} (${s.reason})`,
          `  tip: ${s.tip ? `${s.tip.height} ${s.tip.hash}` : 'none'}${s.onDevChain === false ? ' (another chain)' : ''}`,
          `  unproven: ${s.unproven.declarations} declaration(s), ${s.unproven.payments} payment(s)`,
        ].join('\n'),
    };
  },
});

const init = defineCommand({
  name: 'init',
  summary: 'start the dev chain: store its genesis header (idempotent)',
  description:
    'POST /dev-chain/init (admin). Stores the dev genesis in an empty header store, or says it is already there. A server that does not trust the dev chain refuses, naming why: the embedded default trusts it unless DEV_CHAIN=false; a local stack (PostgreSQL and Redis on this machine) needs DEV_CHAIN=true.',
  examples: ['strata dev-chain init'],
  async run(ctx) {
    let r: Answer<'/dev-chain/init', 'post'>;
    try {
      r = await unwrap('POST', await (await admin(ctx)).api.POST('/dev-chain/init', { body: {} }));
    } catch (e) {
      explain(e);
    }
    return { json: r, human: `${r.created ? 'started' : 'already started'}: genesis ${r.genesis}, tip ${r.tip.height}` };
  },
});

const mine = defineCommand({
  name: 'mine',
  summary: 'mine N blocks (default 1); the first carries and proves every unproven declaration and payment',
  description:
    'POST /dev-chain/blocks (admin). The server mines N headers on its tip (starting the chain if needed); the first block holds every declaration and paid receipt without a proof, and each gets its SPV proof — so /ready turns true and confirmations rise by one per block.',
  args: [{ name: 'N', description: 'blocks to mine, 1–100 (default 1)' }],
  examples: ['strata dev-chain mine', 'strata dev-chain mine 6 --json'],
  async run(ctx) {
    const raw = ctx.args.N as string | undefined;
    const count = raw === undefined ? 1 : Number(raw);
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new CliError('N must be an integer from 1 to 100', { exitCode: EXIT.usage, error: 'usage' });
    const m = await mineBlocks(await admin(ctx), count);
    return { json: m, human: () => describeMined(m), exitCode: m.failed.length ? EXIT.failed : EXIT.ok };
  },
});

const run = defineCommand({
  name: 'run',
  summary: 'mine one block every few seconds until Ctrl-C',
  description: 'Calls `mine 1` every --every seconds (default 5) until interrupted (or --blocks have been mined), printing each block. With --json, one document listing every block at the end.',
  options: {
    every: { type: 'string', value: '<seconds>', description: 'seconds between blocks (default 5, at least 1)' },
    blocks: { type: 'string', value: '<n>', description: 'stop after this many blocks (default: until Ctrl-C)' },
  },
  examples: ['strata dev-chain run', 'strata dev-chain run --every 2 --blocks 10'],
  async run(ctx) {
    const every = ctx.int('every', { min: 1, max: 3600 }) ?? 5;
    const limit = ctx.int('blocks', { min: 1, max: 1_000_000 });
    const client = await admin(ctx);
    const signal = ctx.io.signal;
    const mined: Mined[] = [];
    while (!signal?.aborted && (limit === undefined || mined.length < limit)) {
      const m = await mineBlocks(client, 1);
      mined.push(m);
      if (!ctx.json) ctx.io.stdout.write(`${describeMined(m)}\n`);
      if (limit !== undefined && mined.length >= limit) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, every * 1000);
        signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
    const last = mined[mined.length - 1];
    return {
      json: { blocks: mined.flatMap((m) => m.blocks), tip: last?.tip ?? null, proved: { declarations: mined.flatMap((m) => m.proved.declarations), payments: mined.flatMap((m) => m.proved.payments) } },
      human: '',
    };
  },
});

export const devChain = defineCommand({
  name: 'dev-chain',
  summary: 'a local chain the server trusts: init, mine [N], run, status',
  description:
    'For the embedded default and local stacks: a chain of low-difficulty headers the server is told to trust (DEV_CHAIN), so /ready turns true and confirmations rise on a laptop. The server refuses it for anything production-like.',
  subcommands: [init, mine, run, status],
  examples: ['strata dev-chain mine 3', 'strata dev-chain run --every 2'],
});
