/**
 * A small world for the payments suites: versions published by a producer key, payment
 * transactions built with @bsv/sdk that pay a quote's outputs from a signed P2PKH input, and a
 * chain mined in-process whose blocks really contain those payments (headers posted over HTTP).
 */
import { randomBytes } from 'node:crypto';
import type { PrivateKey } from '@bsv/sdk';
import type { TestStack } from './deps';
import { bumpFor, merklePathFor, merkleRootOf, mineChain, type MinedHeader } from './chain';
import { buildPayment, type Payment } from './payments-verbs';
import { makePublication, type Publication } from './dlm1';
import { call, replyFrom, replyOf, submit, type Reply } from './catalog-http';
import { clientOf } from './client';

export { buildPayment, call, type Payment, type Reply };

/** A version whose manifest names `producer` (so the catalog records it as the owner). */
export async function publishFor(stack: TestStack, producer: PrivateKey, overrides: Record<string, unknown> = {}): Promise<Publication> {
  // the manifest names the producer and carries its signature over the versionId (a producer is who signed)
  const pub = makePublication({ provenance: { createdAt: '2025-01-01T00:00:00Z' }, ...overrides }, { signer: producer });
  const r = await submit(stack, pub);
  if (r.status !== 201) throw new Error(`publish failed: ${r.status} ${JSON.stringify(r.body)}`);
  return pub;
}

/** An identity-signed JSON POST through the typed client, signed by `key` at the server's time (suites run a manual clock). */
export async function signedPost(stack: TestStack, key: PrivateKey, path: string, body: unknown): Promise<Reply> {
  return replyFrom(await clientOf(stack, { signer: key }).request('POST', path, { body }));
}

export interface Mined {
  readonly block: MinedHeader;
  readonly txids: string[];
  readonly index: number;
  /** Path-form envelope (block by hash and height). */
  readonly envelope: { rawTx: string; txid: string; proof: { txid: string; merkleRoot: string; path: ReturnType<typeof merklePathFor> }; block: { blockHash: string; blockHeight: number } };
  /** BRC-74 BUMP of the tx in its block. */
  readonly bump: string;
}

/** A chain the test extends and forks; posts what it mines to the stack's header store. */
export class PayChain {
  readonly best: MinedHeader[] = [];
  private posted = 0;

  constructor(private readonly stack: TestStack) {}

  /** Mines a block holding `txs` (after a filler) on `parent` (default tip), then `extra` empty ones. */
  mine(txs: ReadonlyArray<{ txid: string; rawTx: string }>, extra = 0, parent?: MinedHeader): { mined: Mined[]; headers: MinedHeader[] } {
    const tip = parent ?? this.best[this.best.length - 1];
    const txids = [randomBytes(32).toString('hex'), ...txs.map((t) => t.txid)];
    const [block] = mineChain(1, { merkleRoots: [merkleRootOf(txids)], ...(tip ? { parent: tip } : {}), timeOffset: parent ? 7 : 0 }) as [MinedHeader];
    const rest = mineChain(extra, { parent: block, timeOffset: parent ? 7 : 0 });
    const headers = [block, ...rest];
    if (!parent) this.best.push(...headers);
    const mined = txs.map((t, k) => ({
      block,
      txids,
      index: k + 1,
      bump: bumpFor(txids, k + 1, block.height),
      envelope: {
        rawTx: t.rawTx,
        txid: t.txid,
        proof: { txid: t.txid, merkleRoot: block.merkleRoot, path: merklePathFor(txids, k + 1) },
        block: { blockHash: block.hash, blockHeight: block.height },
      },
    }));
    return { mined, headers };
  }

  /** Posts the best chain's headers not posted yet (the first post is the checkpoint at 0). */
  async postBest(): Promise<void> {
    const fresh = this.best.slice(this.posted);
    if (fresh.length === 0) return;
    const r = replyOf(await clientOf(this.stack).api.POST('/headers', { body: { headers: fresh.map((h) => h.hex), ...(this.posted === 0 ? { startHeight: 0 } : {}) } }));
    if (r.status !== 200) throw new Error(`headers: ${r.status} ${JSON.stringify(r.body)}`);
    this.posted = this.best.length;
  }

  /** Mines `n` empty blocks on the tip and posts them. */
  async extend(n: number): Promise<void> {
    this.best.push(...mineChain(n, { parent: this.best[this.best.length - 1] as MinedHeader }));
    await this.postBest();
  }

  /** A heavier branch of `length` blocks after `parent` (optionally holding txs), posted; it becomes the best chain. */
  async fork(parent: MinedHeader, length: number, txs: ReadonlyArray<{ txid: string; rawTx: string }> = []): Promise<Mined[]> {
    const { mined, headers } = this.mine(txs, length - 1, parent);
    const r = replyOf(await clientOf(this.stack).api.POST('/headers', { body: { headers: headers.map((h) => h.hex) } }));
    if (r.status !== 200) throw new Error(`fork headers: ${r.status} ${JSON.stringify(r.body)}`);
    const at = this.best.findIndex((h) => h.hash === parent.hash);
    this.best.splice(at + 1, this.best.length, ...headers);
    this.posted = this.best.length;
    return mined;
  }
}
