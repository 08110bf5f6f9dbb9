/**
 * The dev chain on a server that trusts it (ADR 0061): its state, its genesis, and mining.
 * Mining extends the best chain by N headers — the first block carrying every declaration and
 * payment still unproven — stores them only while the tip it read is still the tip (so it never
 * reorganises anything), then attaches each transaction's proof through the same verification
 * POST /declarations/{txid}/proof and POST /payments/{receiptId}/proof run.
 */
import type { Deps } from '../deps';
import type { Call, NoInput } from '../context';
import { StrataError } from '../errors';
import { storeHeaders } from '../bundle/headers';
import { verifyAndStoreProof } from '../bundle/proof';
import { attachPaymentProof } from '../payments/confirm';
import { getTip, headerAtHeight, type StoredHeader } from '../spv/header-store';
import { coinbaseTxid, devGenesis, merklePath, merkleRoot, merkleTree, mineHeader } from './chain';
import { devChainEnabled, devChainReason } from './setting';

/** Blocks one call mines. */
export const MAX_BLOCKS_PER_CALL = 100;
/** Transactions one block carries; more unproven ones wait for the next call. */
export const MAX_TXS_PER_BLOCK = 1000;
/** Attempts when another writer extends the chain between reading the tip and storing. */
const TIP_ATTEMPTS = 5;

type DevDeps = Deps;

export interface DevChainStatus {
  readonly enabled: boolean;
  /** Why it is on or off here. */
  readonly reason: string;
  readonly genesis: string;
  readonly tip: { readonly height: number; readonly hash: string } | null;
  /** True when the stored best chain starts at the dev genesis; null for an empty store. */
  readonly onDevChain: boolean | null;
  readonly unproven: { readonly declarations: number; readonly payments: number };
}

export interface MinedBlock {
  readonly height: number;
  readonly hash: string;
  readonly merkleRoot: string;
  /** Transactions in the block, the pseudo-coinbase included. */
  readonly txCount: number;
}

export interface MineResult {
  readonly blocks: readonly MinedBlock[];
  readonly tip: { readonly height: number; readonly hash: string };
  readonly proved: {
    readonly declarations: ReadonlyArray<{ txid: string; versionId: string; height: number; confirmations: number }>;
    readonly payments: ReadonlyArray<{ txid: string; receiptId: string; status: string; confirmations: number }>;
  };
  /** Transactions whose proof was refused (each with the reason); they stay unproven. */
  readonly failed: ReadonlyArray<{ txid: string; kind: 'declaration' | 'payment'; reason: string }>;
}

function requireEnabled(deps: DevDeps): void {
  if (!devChainEnabled(deps.config, deps.runtime)) {
    throw new StrataError('conflict', `This server does not trust the dev chain: ${devChainReason(deps.config, deps.runtime)}.`, { hint: 'dev-chain-off' });
  }
}

async function isDevStore(deps: DevDeps): Promise<boolean | null> {
  const first = await headerAtHeight(deps.sql, 0);
  if (first === null) return (await getTip(deps.sql)) === null ? null : false;
  return first.hash === devGenesis().hash;
}

interface UnprovenDeclaration {
  readonly txid: string;
  readonly rawTx: string;
}
interface UnprovenPayment {
  readonly txid: string;
  readonly receiptId: string;
  /** The stored proof of a paid receipt that lacked confirmations, re-applied as the chain grows. */
  readonly proof: unknown;
}

async function unprovenDeclarations(deps: DevDeps, limit: number): Promise<UnprovenDeclaration[]> {
  const rows = await deps.sql.query<{ txid: string; raw_tx: string }>(
    `SELECT txid, raw_tx FROM declarations WHERE proof_json IS NULL ORDER BY created_at, txid LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ txid: r.txid, rawTx: r.raw_tx }));
}

async function paidPayments(deps: DevDeps, limit: number): Promise<UnprovenPayment[]> {
  const rows = await deps.sql.query<{ txid: string; receipt_id: string; proof_json: unknown }>(
    `SELECT p.txid, r.receipt_id, p.proof_json
       FROM receipts r JOIN payments p USING (receipt_id)
      WHERE r.status = 'paid' AND p.txid = r.payment_txid
      ORDER BY p.created_at, r.receipt_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ txid: r.txid, receiptId: r.receipt_id, proof: r.proof_json ?? null }));
}

async function countUnproven(deps: DevDeps): Promise<{ declarations: number; payments: number }> {
  const rows = await deps.sql.query<{ d: string | number; p: string | number }>(
    `SELECT (SELECT count(*) FROM declarations WHERE proof_json IS NULL) AS d,
            (SELECT count(*) FROM receipts r JOIN payments p USING (receipt_id)
              WHERE r.status = 'paid' AND p.txid = r.payment_txid AND p.proof_json IS NULL) AS p`,
  );
  return { declarations: Number(rows[0]?.d ?? 0), payments: Number(rows[0]?.p ?? 0) };
}

/** GET /dev-chain: whether the dev chain is trusted here and how far it has come. */
export async function devChainStatus({ deps }: Call<DevDeps, NoInput>): Promise<DevChainStatus> {
  const tip = await getTip(deps.sql);
  return {
    enabled: devChainEnabled(deps.config, deps.runtime),
    reason: devChainReason(deps.config, deps.runtime),
    genesis: devGenesis().hash,
    tip: tip ? { height: tip.height, hash: tip.hash } : null,
    onDevChain: await isDevStore(deps),
    unproven: await countUnproven(deps),
  };
}

/**
 * Stores the dev genesis into an empty header store (a no-op when it is already there).
 * `conflict` (hint `not-dev-chain`) when the store holds another chain.
 */
export async function initDevChain(call: Call<DevDeps, NoInput>): Promise<{ created: boolean; genesis: string; tip: { height: number; hash: string } }> {
  const { deps, ctx } = call;
  requireEnabled(deps);
  const on = await isDevStore(deps);
  if (on === false) {
    throw new StrataError('conflict', 'The header store holds another chain; a dev chain starts only in an empty store.', { hint: 'not-dev-chain' });
  }
  const g = devGenesis();
  if (on === true) {
    const tip = (await getTip(deps.sql)) as StoredHeader;
    return { created: false, genesis: g.hash, tip: { height: tip.height, hash: tip.hash } };
  }
  try {
    const r = await storeHeaders({ deps, ctx, input: { headers: [g.raw], startHeight: 0, expectTip: null } });
    return { created: true, genesis: g.hash, tip: { height: r.tip.height, hash: r.tip.hash } };
  } catch (e) {
    // another caller stored it first: that is the state asked for
    if (e instanceof StrataError && e.extra.hint === 'tip-moved' && (await isDevStore(deps)) === true) return initDevChain(call);
    throw e;
  }
}

/** Mines `count` blocks on the dev chain (starting it when the store is empty) and proves what they carry. */
export async function mineDevBlocks(call: Call<DevDeps, { count: number }>): Promise<MineResult> {
  const { deps, ctx, input } = call;
  requireEnabled(deps);
  const count = input.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_BLOCKS_PER_CALL) {
    throw new StrataError('validation-failed', 'The block count is not valid.', { issues: [{ path: 'count', message: `an integer from 1 to ${MAX_BLOCKS_PER_CALL}` }] });
  }
  await initDevChain({ deps, ctx, input: {} });

  let mined: { blocks: MinedBlock[]; trees: string[][]; first: MinedBlock; tip: { height: number; hash: string } } | null = null;
  let decls: UnprovenDeclaration[] = [];
  let pays: UnprovenPayment[] = [];
  for (let attempt = 0; mined === null; attempt++) {
    decls = await unprovenDeclarations(deps, MAX_TXS_PER_BLOCK);
    pays = (await paidPayments(deps, MAX_TXS_PER_BLOCK)).filter((p) => p.proof === null).slice(0, MAX_TXS_PER_BLOCK - decls.length);
    const tip = (await getTip(deps.sql)) as StoredHeader;
    const headers: string[] = [];
    const blocks: MinedBlock[] = [];
    let trees: string[][] = [];
    let prev = { hash: tip.hash, time: tip.time };
    for (let i = 0; i < count; i++) {
      const height = tip.height + 1 + i;
      const txids = [coinbaseTxid(height), ...(i === 0 ? [...new Set([...decls.map((d) => d.txid), ...pays.map((p) => p.txid)])] : [])];
      const tree = merkleTree(txids);
      if (i === 0) trees = tree;
      const time = Math.max(prev.time + 1, Math.floor(deps.clock.now() / 1000));
      const h = mineHeader({ prevHash: prev.hash, merkleRoot: merkleRoot(tree), time });
      headers.push(h.raw);
      blocks.push({ height, hash: h.hash, merkleRoot: h.merkleRoot, txCount: txids.length });
      prev = { hash: h.hash, time };
    }
    try {
      const r = await storeHeaders({ deps, ctx, input: { headers, expectTip: tip.hash } });
      mined = { blocks, trees, first: blocks[0] as MinedBlock, tip: { height: r.tip.height, hash: r.tip.hash } };
    } catch (e) {
      if (!(e instanceof StrataError && e.extra.hint === 'tip-moved') || attempt + 1 >= TIP_ATTEMPTS) throw e;
    }
  }

  const { trees, first } = mined;
  const leaves = trees[0] as string[];
  const envelopeFor = (txid: string, rawTx?: string) => ({
    ...(rawTx ? { rawTx } : {}),
    txid,
    proof: { txid, merkleRoot: first.merkleRoot, path: merklePath(trees, leaves.indexOf(txid)) },
    block: { blockHash: first.hash, blockHeight: first.height },
  });
  const proved: { declarations: Array<MineResult['proved']['declarations'][number]>; payments: Array<MineResult['proved']['payments'][number]> } = { declarations: [], payments: [] };
  const failed: Array<MineResult['failed'][number]> = [];
  const reason = (e: unknown) => (e instanceof StrataError ? `${e.code}${e.extra.hint ? ` (${e.extra.hint})` : ''}: ${e.message}` : String(e));

  for (const d of decls) {
    try {
      const r = await verifyAndStoreProof({ deps, ctx, input: { txid: d.txid, envelope: envelopeFor(d.txid, d.rawTx) } });
      proved.declarations.push({ txid: d.txid, versionId: r.versionId, height: r.height, confirmations: r.confirmations });
    } catch (e) {
      failed.push({ txid: d.txid, kind: 'declaration', reason: reason(e) });
    }
  }
  // payments proved now, and paid ones whose stored proof lacked confirmations before these blocks
  const waiting = (await paidPayments(deps, MAX_TXS_PER_BLOCK)).filter((p) => p.proof !== null && !pays.some((q) => q.receiptId === p.receiptId));
  for (const p of [...pays.map((q) => ({ ...q, envelope: envelopeFor(q.txid) as unknown })), ...waiting.map((q) => ({ ...q, envelope: q.proof }))]) {
    try {
      const r = await attachPaymentProof({ deps, ctx, input: { receiptId: p.receiptId, envelope: p.envelope } });
      proved.payments.push({ txid: p.txid, receiptId: p.receiptId, status: r.status, confirmations: r.confirmations });
    } catch (e) {
      failed.push({ txid: p.txid, kind: 'payment', reason: reason(e) });
    }
  }
  deps.log.info('dev chain mined', { blocks: mined.blocks.length, height: mined.tip.height, declarations: proved.declarations.length, payments: proved.payments.length, failed: failed.length });
  return { blocks: mined.blocks, tip: mined.tip, proved, failed };
}
