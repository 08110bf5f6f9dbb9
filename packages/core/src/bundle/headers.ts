/**
 * Storing headers (admin POST /headers and the source refresh) with their cache consequences.
 * insertHeaders runs its own transaction; this wraps that transaction so the outbox row (tip
 * key, plus the version tags of every bundle a reorg touches) and the audit row commit WITH the
 * headers. A crash after the commit is then repaired by the outbox sweeper, never lost.
 */
import type { Deps } from '../deps';
import type { Sql, SqlSession } from '../ports/sql';
import { auditStatement } from '../audit/audit';
import { cacheKeys } from '../cache/keys';
import { auditOf, type Call } from '../context';
import { outboxStatement, type Invalidation } from '../outbox/outbox';
import { insertHeaders, type InsertHeadersResult } from '../spv/header-store';
import { versionsInBlocks, versionTags } from './invalidate';
import { devGenesis } from '../devchain/chain';
import { devChainEnabled, devChainReason } from '../devchain/setting';
import { StrataError } from '../errors';
import type { StoreHeadersResult } from './schema';

export type { StoreHeadersResult };

type Planned = { inv: Invalidation; outboxId: string | null; versions: string[] };

/** Stores headers in chain order (see insertHeaders) and invalidates what they change. */
export async function storeHeaders(
  call: Call<Pick<Deps, 'sql' | 'cache' | 'config' | 'runtime'>, { headers: readonly string[]; startHeight?: number; expectTip?: string | null }>,
): Promise<StoreHeadersResult> {
  const { deps, ctx, input } = call;
  refuseDevGenesis(deps, input.headers);
  let planned: Planned | null = null;
  const maxDepth = deps.config.BUNDLE_MAX_DEPTH;
  const after = async (tx: SqlSession, r: InsertHeadersResult): Promise<void> => {
    if (r.inserted === 0) return;
    const moved = r.reorg ? [...r.reorg.removed, ...r.reorg.added] : [];
    const versions = await versionsInBlocks(tx, moved, maxDepth);
    const inv: Invalidation = { keys: [cacheKeys.headersTip()], tags: versionTags(versions) };
    const ob = outboxStatement(inv);
    const rows = await tx.query(ob.text, ob.params);
    const audit = auditStatement({
      ...auditOf(ctx),
      action: 'headers.insert',
      resource: 'headers',
      after: { inserted: r.inserted, tip: r.tip.hash, height: r.tip.height, reorg: r.reorg ? { forkHeight: r.reorg.forkHeight, removed: r.reorg.removed.length } : null },
    });
    await tx.query(audit.text, audit.params);
    planned = { inv, outboxId: rows[0]?.id === undefined ? null : String(rows[0].id), versions };
  };
  const r = await insertHeaders(withAfterCommitHook(deps.sql, after), input.headers, {
    ...(input.startHeight === undefined ? {} : { startHeight: input.startHeight }),
    ...(input.expectTip === undefined ? {} : { expectTip: input.expectTip }),
  });
  const p = planned as Planned | null;
  if (p) {
    const { applied } = await deps.cache.invalidate(p.inv);
    if (applied && p.outboxId) {
      const mark = deps.sql.query('UPDATE cache_outbox SET applied_at = now() WHERE id = $1::bigint', [p.outboxId]).catch(() => undefined);
      ctx.waitUntil(mark);
    }
  }
  return {
    inserted: r.inserted,
    tip: { height: r.tip.height, hash: r.tip.hash, work: r.tip.chainwork },
    reorg: r.reorg && p ? { ...r.reorg, versions: p.versions } : null,
  };
}

/** The dev chain's genesis is stored only where the dev chain is trusted (ADR 0061). */
function refuseDevGenesis(deps: Pick<Deps, 'config' | 'runtime'>, headers: readonly string[]): void {
  const genesis = devGenesis().raw;
  if (headers.some((h) => h.toLowerCase() === genesis) && !devChainEnabled(deps.config, deps.runtime)) {
    throw new StrataError('conflict', `This server does not trust the dev chain (${devChainReason(deps.config, deps.runtime)}); its genesis header is refused.`, { hint: 'dev-chain-off' });
  }
}

/** An Sql whose interactive transactions run `after(tx, result)` just before they commit. */
function withAfterCommitHook(sql: Sql, after: (tx: SqlSession, r: InsertHeadersResult) => Promise<void>): Sql {
  return {
    kind: sql.kind,
    query: (text, params) => sql.query(text, params),
    batch: (statements) => sql.batch(statements),
    close: () => sql.close(),
    transaction: <T>(fn: (tx: SqlSession) => Promise<T>) =>
      sql.transaction(async (tx) => {
        const result = await fn(tx);
        await after(tx, result as unknown as InsertHeadersResult);
        return result;
      }),
  };
}
