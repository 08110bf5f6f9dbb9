/**
 * The block-header store in PostgreSQL (migrations/0030_headers.sql). Inserts check proof of
 * work and linkage, keep accumulated work per header, and move the `on_best` flags when a
 * heavier branch appears — all inside one transaction serialised by an advisory lock.
 */
import type { Sql, SqlSession } from '../ports/sql';
import { StrataError, type FieldIssue } from '../errors';
import { normHash32 } from './bytes';
import { parseHeader, meetsProofOfWork, workFromBits, type BlockHeader } from './header';
import type { ChainView } from './envelope';

/** Per call; callers chunk longer syncs. */
export const MAX_HEADERS_PER_INSERT = 2000;
/** Serialises header inserts across every connection ('STRATAHD' as an int8). */
const LOCK_KEY = '6004234345560852548';

export interface StoredHeader {
  readonly hash: string;
  readonly prevHash: string;
  readonly height: number;
  /** Accumulated work as a decimal string (exceeds 2^53). */
  readonly chainwork: string;
  readonly merkleRoot: string;
  readonly time: number;
  readonly bits: number;
  readonly onBest: boolean;
}

export interface Reorg {
  /** Best-chain hashes that are no longer on it, highest first. */
  readonly removed: readonly string[];
  /** Hashes newly on the best chain, lowest first. */
  readonly added: readonly string[];
  /** Height of the last common header. */
  readonly forkHeight: number;
}

export interface InsertHeadersResult {
  readonly inserted: number;
  readonly tip: StoredHeader;
  /** Non-null when best-chain headers were displaced; callers invalidate caches keyed by block. */
  readonly reorg: Reorg | null;
}

const COLUMNS = `hash, prev_hash, height, chainwork::text AS chainwork, merkle_root, time::text AS time,
  bits::text AS bits, on_best`;

interface HeaderRow {
  hash: string;
  prev_hash: string;
  height: number | string;
  chainwork: string;
  merkle_root: string;
  time: string | number;
  bits: string | number;
  on_best: boolean;
  [k: string]: unknown;
}

function toStored(r: HeaderRow): StoredHeader {
  return {
    hash: r.hash,
    prevHash: r.prev_hash,
    height: Number(r.height),
    chainwork: r.chainwork,
    merkleRoot: r.merkle_root,
    time: Number(r.time),
    bits: Number(r.bits),
    onBest: r.on_best,
  };
}

/** The best chain's highest header, or null for an empty store. */
export async function getTip(sql: SqlSession): Promise<StoredHeader | null> {
  const rows = await sql.query<HeaderRow>(
    `SELECT ${COLUMNS} FROM block_headers WHERE on_best ORDER BY height DESC LIMIT 1`,
  );
  return rows[0] ? toStored(rows[0]) : null;
}

/** Any stored header by hash (any branch); null when unknown or not a 32-byte hex hash. */
export async function getHeader(sql: SqlSession, hash: string): Promise<StoredHeader | null> {
  const h = normHash32(hash);
  if (h === null) return null;
  const rows = await sql.query<HeaderRow>(`SELECT ${COLUMNS} FROM block_headers WHERE hash = $1`, [h]);
  return rows[0] ? toStored(rows[0]) : null;
}

/** The best chain's header at `height`, or null. */
export async function headerAtHeight(sql: SqlSession, height: number): Promise<StoredHeader | null> {
  if (!Number.isInteger(height) || height < 0 || height > 0x7fffffff) return null;
  const rows = await sql.query<HeaderRow>(`SELECT ${COLUMNS} FROM block_headers WHERE on_best AND height = $1`, [
    height,
  ]);
  return rows[0] ? toStored(rows[0]) : null;
}

/** True when the hash is a stored header on the best chain. */
export async function isOnBestChain(sql: SqlSession, hash: string): Promise<boolean> {
  const h = normHash32(hash);
  if (h === null) return false;
  const rows = await sql.query<{ on_best: boolean }>(`SELECT on_best FROM block_headers WHERE hash = $1`, [h]);
  return rows[0]?.on_best === true;
}

/** A ChainView over the store for verifyEnvelope (header lookups carry `onBest`). */
export function storeChainView(sql: SqlSession): ChainView {
  return {
    headerByHash: (hash) => getHeader(sql, hash),
    isOnBestChain: (hash) => isOnBestChain(sql, hash),
    tip: () => getTip(sql),
    headerAtHeight: (height) => headerAtHeight(sql, height),
  };
}

/** Issues name the fields of POST /headers' body (`body.headers.3`, `body.startHeight`), whose members this takes. */
function invalid(issues: FieldIssue[]): StrataError {
  return new StrataError('validation-failed', 'Some headers were rejected; nothing was stored.', { issues });
}

/** Parses and proof-of-work-checks the batch before any database work. */
function parseBatch(headers: readonly unknown[]): BlockHeader[] {
  if (headers.length > MAX_HEADERS_PER_INSERT) {
    throw invalid([{ path: 'body.headers', message: `at most ${MAX_HEADERS_PER_INSERT} headers per call` }]);
  }
  const issues: FieldIssue[] = [];
  const parsed: BlockHeader[] = [];
  headers.forEach((hex, i) => {
    const h = parseHeader(hex);
    if (h === null) issues.push({ path: `body.headers.${i}`, message: 'expected an 80-byte header as hex' });
    else if (!meetsProofOfWork(h)) issues.push({ path: `body.headers.${i}`, message: 'does not meet its proof-of-work target' });
    else parsed.push(h);
  });
  if (issues.length > 0) throw invalid(issues.slice(0, 20));
  return parsed;
}

interface Known {
  height: number;
  chainwork: bigint;
}

/**
 * Stores headers given in chain order. Each must meet its own target and link to a known header
 * (stored or earlier in the batch); into an empty store the first is the checkpoint at
 * `startHeight` (default 0). Re-posting known headers is a no-op. All or nothing.
 */
export async function insertHeaders(
  sql: Sql,
  headers: readonly string[],
  opts: { startHeight?: number } = {},
): Promise<InsertHeadersResult> {
  const start = opts.startHeight;
  if (start !== undefined && (!Number.isInteger(start) || start < 0 || start > 0x7fffffff)) {
    throw invalid([{ path: 'body.startHeight', message: 'expected an integer height ≥ 0' }]);
  }
  const batch = parseBatch(headers);
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    const tipBefore = await getTip(tx);
    const lookup = [...new Set(batch.flatMap((h) => [h.hash, h.prevHash]))];
    const rows = await tx.query<{ hash: string; height: number | string; chainwork: string }>(
      `SELECT hash, height, chainwork::text AS chainwork FROM block_headers WHERE hash = ANY($1::text[])`,
      [lookup],
    );
    const known = new Map<string, Known>(
      rows.map((r) => [r.hash, { height: Number(r.height), chainwork: BigInt(r.chainwork) }]),
    );

    const fresh: Array<BlockHeader & Known> = [];
    const issues: FieldIssue[] = [];
    batch.forEach((h, i) => {
      const existing = known.get(h.hash);
      if (existing !== undefined) {
        if (i === 0 && start !== undefined && existing.height !== start) {
          issues.push({ path: 'body.startHeight', message: `header 0 is stored at height ${existing.height}` });
        }
        return;
      }
      const parent = known.get(h.prevHash);
      let height: number;
      let chainwork: bigint;
      if (parent !== undefined) {
        height = parent.height + 1;
        chainwork = parent.chainwork + workFromBits(h.bits);
        if (i === 0 && start !== undefined && height !== start) {
          issues.push({ path: 'body.startHeight', message: `header 0 links at height ${height}` });
        }
      } else if (i === 0 && tipBefore === null) {
        height = start ?? 0; // checkpoint: trusted as given
        chainwork = workFromBits(h.bits);
      } else {
        issues.push({ path: `body.headers.${i}`, message: `previous header ${h.prevHash} is unknown` });
        return;
      }
      const row = { ...h, height, chainwork };
      known.set(h.hash, row);
      fresh.push(row);
    });
    if (issues.length > 0) throw invalid(issues.slice(0, 20));
    if (fresh.length === 0) {
      if (tipBefore === null) throw invalid([{ path: 'body.headers', message: 'no headers given' }]);
      return { inserted: 0, tip: tipBefore, reorg: null };
    }

    await tx.query(
      `INSERT INTO block_headers (hash, prev_hash, height, chainwork, merkle_root, time, bits, raw)
       SELECT h, p, ht, cw::numeric, m, t, b, decode(r, 'hex')
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::text[])
         AS x(h, p, ht, cw, m, t, b, r)
       ON CONFLICT (hash) DO NOTHING`,
      [
        fresh.map((h) => h.hash),
        fresh.map((h) => h.prevHash),
        fresh.map((h) => h.height),
        fresh.map((h) => h.chainwork.toString()),
        fresh.map((h) => h.merkleRoot),
        fresh.map((h) => h.time),
        fresh.map((h) => h.bits),
        fresh.map((h) => h.raw),
      ],
    );

    // the heaviest new header wins only with strictly more work than the tip (first seen wins ties)
    let best = fresh[0] as BlockHeader & Known;
    for (const h of fresh) if (h.chainwork > best.chainwork) best = h;
    if (tipBefore !== null && best.chainwork <= BigInt(tipBefore.chainwork)) {
      return { inserted: fresh.length, tip: tipBefore, reorg: null };
    }
    const reorg = await switchBestChain(tx, best.hash);
    const tip = await getTip(tx);
    if (tip === null) throw new StrataError('internal', 'header store lost its tip');
    return { inserted: fresh.length, tip, reorg };
  });
}

/**
 * Makes `newTip`'s branch the best chain: walks back to the last best-chain ancestor, clears the
 * flags above it and sets them along the branch. Returns the reorg when anything was displaced.
 */
async function switchBestChain(tx: SqlSession, newTip: string): Promise<Reorg | null> {
  const branch = await tx.query<{ hash: string; height: number | string; on_best: boolean }>(
    `WITH RECURSIVE branch AS (
       SELECT hash, prev_hash, height, on_best FROM block_headers WHERE hash = $1
       UNION ALL
       SELECT p.hash, p.prev_hash, p.height, p.on_best
       FROM block_headers p JOIN branch b ON p.hash = b.prev_hash
       WHERE NOT b.on_best
     )
     SELECT hash, height, on_best FROM branch ORDER BY height`,
    [newTip],
  );
  const fork = branch.find((r) => r.on_best);
  const forkHeight = fork === undefined ? -1 : Number(fork.height);
  const added = branch.filter((r) => !r.on_best).map((r) => r.hash);
  const removed = await tx.query<{ hash: string; height: number | string }>(
    `UPDATE block_headers SET on_best = false WHERE on_best AND height > $1 RETURNING hash, height`,
    [forkHeight],
  );
  await tx.query(`UPDATE block_headers SET on_best = true WHERE hash = ANY($1::text[])`, [added]);
  if (removed.length === 0) return null;
  const removedHashes = [...removed].sort((a, b) => Number(b.height) - Number(a.height)).map((r) => r.hash);
  return { removed: removedHashes, added, forkHeight };
}
