/**
 * A world for verb-level payments suites (test/verbs/payments-*.test.ts): a fresh database on
 * the local PostgreSQL (the node-postgres adapter, migrated), the payments verbs' deps built directly
 * (memory Kv under the cache, a manual clock, the configuration from `env`), versions seeded as
 * catalog rows, and a header chain stored through the header store itself. No HTTP app, no Redis.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LockingScript, MerklePath, P2PKH, PrivateKey, Transaction, UnlockingScript } from '@bsv/sdk';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { createCache } from '@strata/core/cache/index';
import { parseConfig, type Config } from '@strata/core/config/index';
import { producerIdOf } from '@strata/core/catalog/ids';
import { migrate } from '@strata/core/migrate/files';
import { createLogger, type Logger } from '@strata/core/observability/log';
import { manualClock } from '@strata/core/ports/clock';
import { StrataError } from '@strata/core/errors';
import type { Sql } from '@strata/core/ports/sql';
import type { Cache } from '@strata/core/cache/index';
import { dryrunBroadcaster, type Broadcaster } from '@strata/core/payments/broadcast';
import { insertHeaders } from '@strata/core/spv/header-store';
import { bumpFor, merklePathFor, merkleRootOf, mineChain, type MinedHeader } from './chain';
import { createTestDatabase, type TestDatabase } from './pg';

export interface PayDeps {
  readonly sql: Sql;
  readonly cache: Cache;
  readonly clock: ReturnType<typeof manualClock>;
  readonly config: Config;
  readonly broadcaster: Broadcaster;
  readonly log: Logger;
}

export interface PayWorld {
  readonly db: TestDatabase;
  readonly sql: Sql;
  readonly clock: ReturnType<typeof manualClock>;
  /** Deps with the world's configuration and the dryrun broadcaster. */
  readonly deps: PayDeps;
  /** The same deps with another configuration (parsed from `env` on top of the world's) and/or broadcaster. */
  with(o: { env?: Record<string, string>; broadcaster?: Broadcaster; log?: Logger }): PayDeps;
  close(): Promise<void>;
}

/** Log lines a suite can read (JSON per line). */
export function memoryLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { log: createLogger('warn', (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), lines };
}

export async function payWorld(env: Record<string, string> = {}, start = Date.UTC(2026, 11, 1)): Promise<PayWorld> {
  const db = await createTestDatabase();
  // node-postgres as the Node entry opens it (an idle client cut by the drop cannot crash the run)
  const sql = createPgSql({ url: db.url, max: 4 });
  await migrate(sql);
  const clock = manualClock(start);
  const cache = createCache({ kv: createMemoryKv({ clock }), clock });
  const base = { LOG_LEVEL: 'silent', ...env };
  const make = (o: { env?: Record<string, string>; broadcaster?: Broadcaster; log?: Logger } = {}): PayDeps => ({
    sql,
    cache,
    clock,
    config: parseConfig({ ...base, ...o.env }),
    broadcaster: o.broadcaster ?? dryrunBroadcaster,
    log: o.log ?? createLogger('silent'),
  });
  return {
    db,
    sql,
    clock,
    deps: make(),
    with: make,
    async close() {
      await sql.close();
      await db.drop();
    },
  };
}

const hex32 = () => randomBytes(32).toString('hex');

export interface Seeded {
  readonly versionId: string;
  readonly contentHash: string;
  readonly producerId: string | null;
  readonly producerKey: PrivateKey | null;
}

/**
 * A published version as the catalog stores it (manifest + asset row, its producer if any).
 * `producer: null` seeds a version nobody owns.
 */
export async function seedVersion(
  sql: Sql,
  o: { producer?: PrivateKey | null; payoutScriptHex?: string | null; sizeBytes?: number | null } = {},
): Promise<Seeded> {
  const versionId = hex32();
  const contentHash = hex32();
  const key = o.producer === undefined ? PrivateKey.fromRandom() : o.producer;
  let producerId: string | null = null;
  if (key) {
    const identityKey = key.toPublicKey().toString();
    producerId = producerIdOf(identityKey);
    await sql.query(
      `INSERT INTO producers (producer_id, identity_key, payout_script_hex) VALUES ($1, $2, $3)
       ON CONFLICT (producer_id) DO UPDATE SET payout_script_hex = EXCLUDED.payout_script_hex`,
      [producerId, identityKey, o.payoutScriptHex ?? null],
    );
  }
  await sql.query(`INSERT INTO manifests (version_id, body) VALUES ($1, $2::jsonb)`, [versionId, JSON.stringify({ versionId })]);
  await sql.query(`INSERT INTO assets (version_id, dataset_id, producer_id, content_hash, size_bytes) VALUES ($1, 'ds', $2, $3, $4)`, [
    versionId,
    producerId,
    contentHash,
    o.sizeBytes === undefined ? 1000 : o.sizeBytes,
  ]);
  return { versionId, contentHash, producerId, producerKey: key };
}

/** P2PKH of a key's compressed public key, computed with node:crypto (independently of template.ts). */
export function p2pkhOf(key: PrivateKey): string {
  const pub = Buffer.from(key.toPublicKey().toString(), 'hex');
  const h160 = createHash('ripemd160').update(createHash('sha256').update(pub).digest()).digest('hex');
  return `76a914${h160}88ac`;
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

/** Where a chain's headers go: `checkpoint` on the first store (the first block is the checkpoint at height 0). */
export type StoreHeaders = (hexes: string[], checkpoint: boolean) => Promise<void>;

/**
 * A chain a suite mines, extends and forks, storing what it mines through `put`: straight into the
 * header store (`PayChain.onSql`, the verb suites) or through POST /headers (payments-world.ts).
 */
export class PayChain {
  readonly best: MinedHeader[] = [];
  private stored = 0;

  constructor(private readonly put: StoreHeaders) {}

  /** Stores through insertHeaders on `sql`. */
  static onSql(sql: Sql): PayChain {
    return new PayChain((hexes, checkpoint) => insertHeaders(sql, hexes, checkpoint ? { startHeight: 0 } : {}).then(() => undefined));
  }

  /** Mines a block holding `txs` (after a filler) on `parent` (default tip), then `extra` empty ones; on the tip, not stored yet. */
  mine(txs: ReadonlyArray<{ txid: string; rawTx: string }>, extra = 0, parent?: MinedHeader): { mined: Mined[]; headers: MinedHeader[] } {
    const tip = parent ?? this.best[this.best.length - 1];
    const txids = [hex32(), ...txs.map((t) => t.txid)];
    const [block] = mineChain(1, { merkleRoots: [merkleRootOf(txids)], ...(tip ? { parent: tip } : {}), timeOffset: parent ? 7 : 0 }) as [MinedHeader];
    const headers = [block, ...mineChain(extra, { parent: block, timeOffset: parent ? 7 : 0 })];
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

  /** Stores the best chain's headers not stored yet. */
  async store(): Promise<void> {
    const fresh = this.best.slice(this.stored);
    if (fresh.length === 0) return;
    await this.put(fresh.map((h) => h.hex), this.stored === 0);
    this.stored = this.best.length;
  }

  /** Mines `n` empty blocks on the tip and stores them. */
  async extend(n: number): Promise<void> {
    const tip = this.best[this.best.length - 1];
    this.best.push(...mineChain(n, tip ? { parent: tip } : {}));
    await this.store();
  }

  /** A heavier branch of `length` blocks after `parent` (optionally holding txs), stored; it becomes the best chain. */
  async fork(parent: MinedHeader, length: number, txs: ReadonlyArray<{ txid: string; rawTx: string }> = []): Promise<Mined[]> {
    const { mined, headers } = this.mine(txs, length - 1, parent);
    await this.put(headers.map((h) => h.hex), false);
    const at = this.best.findIndex((h) => h.hash === parent.hash);
    this.best.splice(at + 1, this.best.length, ...headers);
    this.stored = this.best.length;
    return mined;
  }
}

export interface Payment {
  readonly tx: Transaction;
  readonly txid: string;
  readonly rawTx: string;
  /** Extended Format (BRC-30): inputs carry the outputs they spend. */
  readonly ef: string;
  /** BEEF (BRC-62) with the funding transaction proved by a BUMP. */
  readonly beef: string;
}

/**
 * A signed transaction paying `outputs` (plus change) from one P2PKH output of a funding tx.
 * `adjust` changes what is paid (e.g. one satoshi short) to build wrong payments.
 */
export async function buildPayment(
  outputs: ReadonlyArray<{ scriptHex: string; satoshis: number }>,
  adjust: (o: { scriptHex: string; satoshis: number }, i: number) => { scriptHex: string; satoshis: number } = (o) => o,
): Promise<Payment> {
  const key = PrivateKey.fromRandom();
  const total = outputs.reduce((a, o) => a + o.satoshis, 0);
  const funding = new Transaction();
  funding.addInput({ sourceTXID: randomBytes(32).toString('hex'), sourceOutputIndex: 0, unlockingScript: new UnlockingScript(), sequence: 0xffffffff });
  funding.addOutput({ lockingScript: new P2PKH().lock(key.toAddress()), satoshis: total + 10_000 });
  // the funding tx is "mined" so the BEEF is complete (ARC needs proved ancestors)
  funding.merklePath = MerklePath.fromHex(bumpFor([funding.id('hex')], 0, 1));
  const tx = new Transaction();
  tx.addInput({ sourceTransaction: funding, sourceOutputIndex: 0, unlockingScriptTemplate: new P2PKH().unlock(key), sequence: 0xffffffff });
  outputs.forEach((o, i) => {
    const a = adjust(o, i);
    tx.addOutput({ lockingScript: LockingScript.fromHex(a.scriptHex), satoshis: a.satoshis });
  });
  tx.addOutput({ lockingScript: new P2PKH().lock(key.toAddress()), satoshis: 9_000 });
  await tx.sign();
  return { tx, txid: tx.id('hex'), rawTx: tx.toHex(), ef: tx.toHexEF(), beef: tx.toHexBEEF() };
}


/** What a verb refused with: its StrataError's code, message and hint (fails when it did not refuse). */
export async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string; hint: string | undefined }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    return { code: e.code, message: e.message, hint: e.extra.hint };
  }
  throw new Error('expected a refusal');
}

/** A broadcaster that runs `act` while the broadcast is in flight (another request acting meanwhile). */
export function during(inner: Broadcaster, act: (tx: { txid: string; hex: string }) => Promise<void>): Broadcaster {
  return {
    kind: inner.kind,
    async broadcast(tx) {
      await act(tx);
      return inner.broadcast(tx);
    },
    status: (txid) => inner.status(txid),
  };
}

/**
 * The Sql with `act` run once, right after the `n`-th query made through it, or the first whose
 * text matches `n` (another writer between a verb's read and its write).
 */
export function afterQuery(sql: Sql, n: number | RegExp, act: () => Promise<void>): Sql {
  let count = 0;
  let done = false;
  return new Proxy(sql, {
    get(target, prop, recv) {
      if (prop !== 'query') return Reflect.get(target, prop, recv);
      return async (...args: Parameters<Sql['query']>) => {
        const rows = await target.query(...args);
        count++;
        if (!done && (typeof n === 'number' ? count === n : n.test(args[0]))) {
          done = true;
          await act();
        }
        return rows;
      };
    },
  });
}
