/**
 * The tip as served to clients (`GET /headers/tip`, `/bundle`): cached briefly in the
 * `headers-tip` namespace. `unstable` says the tip may lag the real chain: the configured
 * headers source is failing, or the database was down and a stale copy was served.
 */
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import { cacheKeys } from '../cache/keys';
import type { Call, NoInput } from '../context';
import type { ServedTip } from './schema';

export type { ServedTip };

interface TipRow {
  readonly height: number;
  readonly hash: string;
  readonly work: string;
  readonly sourceFailing: boolean;
}

// one probe of the best-height index plus the one-row source state, in one round trip
const TIP_SQL = `
SELECT t.hash, t.height, t.chainwork::text AS work, coalesce(s.failing, false) AS failing
  FROM (SELECT hash, height, chainwork FROM block_headers WHERE on_best ORDER BY height DESC LIMIT 1) t
  LEFT JOIN headers_source_state s ON s.id = 1`;

/** Loads the tip from the store (null: no headers stored). */
async function loadTip(deps: Pick<Deps, 'sql'>): Promise<TipRow | null> {
  const rows = await deps.sql.query(TIP_SQL);
  const r = rows[0];
  if (!r) return null;
  return { height: Number(r.height), hash: r.hash as string, work: String(r.work), sourceFailing: r.failing === true };
}

/**
 * The cached tip; null when the store holds no headers. Throws StrataError('unavailable') only
 * when the database is down and no copy is cached.
 */
export async function readTip(call: Call<Pick<Deps, 'sql' | 'cache'>, NoInput>): Promise<ServedTip | null> {
  const { deps, ctx } = call;
  let res;
  try {
    res = await deps.cache.get<TipRow>('headers-tip', cacheKeys.headersTip(), () => loadTip(deps), { waitUntil: ctx.waitUntil });
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError('unavailable', 'The header store is unavailable.', { hint: 'headers-unavailable', cause: e });
  }
  const t = res.value;
  if (t === null) return null;
  return { height: t.height, hash: t.hash, work: t.work, unstable: t.sourceFailing || res.status === 'stale-if-error' };
}
