/**
 * A small world for the trust suites: versions published over HTTP, a chain mined in-process
 * whose blocks really contain the DLM1 transactions, headers and proofs posted over HTTP (the
 * typed client bound to the app).
 */
import { randomBytes } from 'node:crypto';
import type { PrivateKey } from '@bsv/sdk';
import type { TestStack } from './deps';
import { merklePathFor, merkleRootOf, mineChain, type MinedHeader } from './chain';
import { makePublication, type Publication } from './dlm1';
import { call, replyOf, submit, type Reply } from './catalog-http';
import { clientOf } from './client';

export { call, type Reply };

interface Placement {
  readonly block: MinedHeader;
  readonly txids: string[];
  readonly index: number;
  readonly rawTx: string;
}

/** A chain the test extends and forks; remembers which block holds which tx. */
export class TestChain {
  readonly best: MinedHeader[] = [];
  private readonly placed = new Map<string, Placement>();

  /** Mines `n` blocks on `parent` (default: the best tip); the first holds `txs`. Does not post. */
  mine(n: number, txs: ReadonlyArray<{ txid: string; rawTx: string }> = [], parent?: MinedHeader): MinedHeader[] {
    const out: MinedHeader[] = [];
    let prev = parent ?? this.best[this.best.length - 1];
    for (let i = 0; i < n; i++) {
      // a filler "coinbase" first, so the subject txs sit at non-trivial merkle positions
      const txids = [randomBytes(32).toString('hex'), ...(i === 0 ? txs.map((t) => t.txid) : [])];
      const [h] = mineChain(1, { merkleRoots: [merkleRootOf(txids)], ...(prev ? { parent: prev } : {}) }) as [MinedHeader];
      if (i === 0) {
        txs.forEach((t, k) => {
          const at: Placement = { block: h, txids, index: k + 1, rawTx: t.rawTx };
          this.placed.set(`${t.txid}@${h.hash}`, at);
          this.placed.set(t.txid, at);
        });
      }
      out.push(h);
      prev = h;
    }
    if (!parent || parent === this.best[this.best.length - 1]) this.best.push(...out);
    return out;
  }

  /** Makes a branch the best chain in this model (after the store reorganised onto it). */
  adopt(branch: readonly MinedHeader[]): void {
    const first = branch[0] as MinedHeader;
    const at = this.best.findIndex((h) => h.hash === first.prevHash);
    this.best.splice(at + 1, this.best.length, ...branch);
  }

  /** The path-form envelope for a tx (the latest block it was mined in, or the one given). */
  envelope(txid: string, blockHash?: string) {
    const p = (blockHash ? this.placed.get(`${txid}@${blockHash}`) : undefined) ?? this.placed.get(txid);
    if (!p) throw new Error(`tx ${txid} was not mined`);
    return {
      rawTx: p.rawTx,
      txid,
      proof: { txid, merkleRoot: p.block.merkleRoot, path: merklePathFor(p.txids, p.index) },
      block: { blockHash: p.block.hash, blockHeight: p.block.height },
    };
  }

  get tip(): MinedHeader {
    return this.best[this.best.length - 1] as MinedHeader;
  }
}

/** Publishes a version (optionally with parents) over POST /submit. */
export async function publish(stack: TestStack, parents: readonly string[] = [], overrides: Record<string, unknown> = {}, signer?: PrivateKey): Promise<Publication> {
  // a manifest that names its producer carries that producer's signature (`signer`)
  const pub = makePublication(parents.length > 0 ? { lineage: { parents: [...parents] }, ...overrides } : overrides, signer ? { signer } : {});
  const r = await submit(stack, pub);
  if (r.status !== 200 && r.status !== 201) throw new Error(`publish failed: ${r.status} ${JSON.stringify(r.body)}`);
  return pub;
}

/** Posts headers as admin. */
export async function postHeaders(stack: TestStack, headers: readonly MinedHeader[], startHeight?: number): Promise<Reply> {
  return replyOf(await clientOf(stack).api.POST('/headers', { body: { headers: headers.map((h) => h.hex), ...(startHeight === undefined ? {} : { startHeight }) } }));
}

/** Posts a proof for a publication's declaration. */
export async function postProof(stack: TestStack, txid: string, envelope: unknown): Promise<Reply> {
  return replyOf(await clientOf(stack).api.POST('/declarations/{txid}/proof', { params: { path: { txid } }, body: { envelope: envelope as never } }));
}

/** GET /bundle. */
export const getBundle = async (stack: TestStack, versionId: string, depth?: number) =>
  replyOf(await clientOf(stack).api.GET('/bundle', { params: { query: { versionId, ...(depth === undefined ? {} : { depth }) } } }));

/** GET /ready. */
export const getReady = async (stack: TestStack, versionId: string, policyId?: string) =>
  replyOf(await clientOf(stack).api.GET('/ready', { params: { query: { versionId, ...(policyId ? { policyId } : {}) } } }));

/** GET /headers/tip. */
export const getTip = async (stack: TestStack) => replyOf(await clientOf(stack).api.GET('/headers/tip'));

/** Confirmations per versionId in a bundle body. */
export function confsOf(bundle: { proofs: Array<{ versionId: string; envelope: { confirmations: number } }> }): Record<string, number> {
  return Object.fromEntries(bundle.proofs.map((p) => [p.versionId, p.envelope.confirmations]));
}
