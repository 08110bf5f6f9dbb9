/**
 * A ChainView for verifying a whole lineage with one tip read: headers that the lineage query
 * already joined are answered from memory, anything else (an envelope naming a block other than
 * the one recorded at proof time) falls back to the header store.
 */
import type { SqlSession } from '../ports/sql';
import type { ChainHeader, ChainView } from '../spv/envelope';
import { getTip, storeChainView } from '../spv/header-store';
import type { ParentChainNode } from './parent-chain-sql';

export interface Tip {
  readonly hash: string;
  readonly height: number;
  /** Accumulated work (decimal string). */
  readonly work: string;
}

/** The best chain's tip straight from the store (never cached), or null when no headers are stored. */
export async function currentTip(sql: SqlSession): Promise<Tip | null> {
  const t = await getTip(sql);
  return t ? { hash: t.hash, height: t.height, work: t.chainwork } : null;
}

/** A chain view primed with the lineage's joined headers and a tip read once. */
export function primedChainView(sql: SqlSession, nodes: readonly ParentChainNode[], tip: Tip | null): ChainView {
  const known = new Map<string, ChainHeader>();
  for (const n of nodes) {
    if (n.blockHash && n.header) {
      known.set(n.blockHash, { hash: n.blockHash, height: n.header.height, merkleRoot: n.header.merkleRoot, onBest: n.header.onBest });
    }
  }
  const store = storeChainView(sql);
  return {
    headerByHash: (hash) => known.get(hash.toLowerCase()) ?? store.headerByHash(hash),
    isOnBestChain: (hash) => known.get(hash.toLowerCase())?.onBest ?? store.isOnBestChain(hash),
    tip: () => (tip ? { hash: tip.hash, height: tip.height } : null),
  };
}
