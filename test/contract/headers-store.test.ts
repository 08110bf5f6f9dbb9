import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { readMigrations } from '@strata/core/migrate/files';
import { migrateFrom } from '@strata/core/migrate/runner';
import type { Sql } from '@strata/core/ports/sql';
import { isStrataError } from '@strata/core/errors';
import { verifyEnvelope } from '@strata/core/spv/envelope';
import { meetsProofOfWork, parseHeader } from '@strata/core/spv/header';
import {
  getHeader,
  getTip,
  headerAtHeight,
  insertHeaders,
  isOnBestChain,
  storeChainView,
} from '@strata/core/spv/header-store';
import { HARDER_BITS, buildScenario, mineChain, mineFork, type MinedHeader } from '../support/chain';
import { createTestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

const hexes = (hs: readonly MinedHeader[]) => hs.map((h) => h.hex);

/** Every best-chain header links to the best-chain header one below it, and heights are contiguous. */
async function expectConsistentBestChain(sql: Sql): Promise<void> {
  const rows = await sql.query<{ broken: string; n: string; lo: number; hi: number }>(
    `SELECT count(*) FILTER (WHERE b.height > lo.lo AND p.hash IS NULL)::text AS broken,
            count(*)::text AS n, lo.lo, lo.hi
     FROM block_headers b
     CROSS JOIN (SELECT min(height) AS lo, max(height) AS hi FROM block_headers WHERE on_best) lo
     LEFT JOIN block_headers p ON p.hash = b.prev_hash AND p.on_best AND p.height = b.height - 1
     WHERE b.on_best GROUP BY lo.lo, lo.hi`,
  );
  const r = rows[0]!;
  expect(r.broken).toBe('0');
  expect(Number(r.n)).toBe(r.hi - r.lo + 1);
}

async function expectValidation(p: Promise<unknown>, path: string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(isStrataError(e) && e.code === 'validation-failed').toBe(true);
  if (isStrataError(e)) expect(e.extra.issues?.map((i) => i.path)).toContain(path);
}

function headerStoreSuite(label: string, open: () => Promise<{ sql: Sql; done: () => Promise<void> }>) {
  describe(`header store [${label}]`, () => {
    let sql: Sql;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ sql, done } = await open());
      await migrateFrom(sql, (await readMigrations()).filter((f) => /^003\d_/.test(f.name)));
    });
    afterAll(async () => {
      await sql.close();
      await done();
    });
    beforeEach(async () => {
      await sql.query('TRUNCATE block_headers');
    });

    it('starts empty, takes a checkpoint at startHeight and accumulates work', async () => {
      expect(await getTip(sql)).toBeNull();
      const chain = mineChain(5);
      const r = await insertHeaders(sql, hexes(chain), { startHeight: 100 });
      expect(r).toMatchObject({ inserted: 5, reorg: null, tip: { hash: chain[4]!.hash, height: 104, chainwork: '10' } });
      expect(await getTip(sql)).toEqual(r.tip);
      expect((await headerAtHeight(sql, 102))?.hash).toBe(chain[2]!.hash);
      expect(await headerAtHeight(sql, 99)).toBeNull();
      const h = await getHeader(sql, chain[0]!.hash.toUpperCase());
      expect(h).toMatchObject({ height: 100, chainwork: '2', prevHash: chain[0]!.prevHash, onBest: true });
      expect(h?.merkleRoot).toBe(chain[0]!.merkleRoot);
      expect(await isOnBestChain(sql, chain[3]!.hash)).toBe(true);
      expect(await isOnBestChain(sql, 'f'.repeat(64))).toBe(false);
      expect(await isOnBestChain(sql, "x' OR 1=1 --")).toBe(false);
      await expectConsistentBestChain(sql);
    });

    it('links new headers to stored ones and rejects unknown parents atomically', async () => {
      const chain = mineChain(6);
      await insertHeaders(sql, hexes(chain.slice(0, 3)));
      const r = await insertHeaders(sql, hexes(chain.slice(3)));
      expect(r).toMatchObject({ inserted: 3, reorg: null, tip: { hash: chain[5]!.hash, height: 5 } });
      const orphan = mineChain(1)[0]!;
      const next = mineChain(1, { parent: chain[5]! })[0]!;
      await expectValidation(insertHeaders(sql, [next.hex, orphan.hex]), 'body.headers.1');
      expect(await getHeader(sql, next.hash)).toBeNull(); // nothing from the failed batch was kept
      expect((await getTip(sql))?.hash).toBe(chain[5]!.hash);
    });

    it('rejects headers that miss their target, malformed hex and an inconsistent startHeight', async () => {
      const chain = mineChain(2);
      await insertHeaders(sql, hexes(chain));
      // same bytes as a mined header but another nonce: about every second one misses the target
      const b = Buffer.from(mineChain(1, { parent: chain[1]! })[0]!.hex, 'hex');
      let weak = '';
      for (let n = 0; weak === ''; n++) {
        b.writeUInt32LE(n, 76);
        if (!meetsProofOfWork(parseHeader(b.toString('hex'))!)) weak = b.toString('hex');
      }
      await expectValidation(insertHeaders(sql, [weak]), 'body.headers.0');
      await expectValidation(insertHeaders(sql, ['00'.repeat(79)]), 'body.headers.0');
      await expectValidation(insertHeaders(sql, [`${chain[1]!.hex.slice(0, -2)}zz`]), 'body.headers.0');
      const next = mineChain(1, { parent: chain[1]! })[0]!;
      await expectValidation(insertHeaders(sql, [next.hex], { startHeight: 7 }), 'body.startHeight');
      expect(await insertHeaders(sql, [next.hex], { startHeight: 2 })).toMatchObject({ inserted: 1, tip: { height: 2 } });
    });

    it('is idempotent when known headers are posted again', async () => {
      const chain = mineChain(4);
      await insertHeaders(sql, hexes(chain));
      const again = await insertHeaders(sql, hexes(chain));
      expect(again).toMatchObject({ inserted: 0, reorg: null, tip: { hash: chain[3]!.hash, height: 3 } });
      const more = mineChain(2, { parent: chain[3]! });
      const mixed = await insertHeaders(sql, [...hexes(chain.slice(2)), ...hexes(more)]);
      expect(mixed).toMatchObject({ inserted: 2, reorg: null, tip: { hash: more[1]!.hash, height: 5 } });
      const rows = await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM block_headers');
      expect(rows[0]!.n).toBe('6');
    });

    it('reorganises to a heavier branch, reporting removed and added hashes', async () => {
      const main = mineChain(6); // heights 0..5
      await insertHeaders(sql, hexes(main));
      // an equally heavy branch does not displace the first-seen chain
      const tie = mineFork(main[3]!, 2);
      const r1 = await insertHeaders(sql, hexes(tie));
      expect(r1).toMatchObject({ inserted: 2, reorg: null, tip: { hash: main[5]!.hash } });
      expect(await isOnBestChain(sql, tie[1]!.hash)).toBe(false);
      // one more block on that branch makes it heavier: heights 4 and 5 are replaced, 6 is new
      const ext = mineChain(1, { parent: tie[1]! });
      const r2 = await insertHeaders(sql, hexes(ext));
      expect(r2.tip).toMatchObject({ hash: ext[0]!.hash, height: 6 });
      expect(r2.reorg).toEqual({
        removed: [main[5]!.hash, main[4]!.hash],
        added: [tie[0]!.hash, tie[1]!.hash, ext[0]!.hash],
        forkHeight: 3,
      });
      expect(await isOnBestChain(sql, main[4]!.hash)).toBe(false);
      expect((await headerAtHeight(sql, 4))?.hash).toBe(tie[0]!.hash);
      expect((await getHeader(sql, main[5]!.hash))?.onBest).toBe(false);
      await expectConsistentBestChain(sql);
    });

    it('prefers more work over more headers', async () => {
      const main = mineChain(6);
      await insertHeaders(sql, hexes(main));
      const heavy = mineFork(main[3]!, 1, HARDER_BITS); // one block worth ~16 beats two worth 2 each
      const r = await insertHeaders(sql, hexes(heavy));
      expect(r.tip).toMatchObject({ hash: heavy[0]!.hash, height: 4 });
      expect(r.reorg).toEqual({ removed: [main[5]!.hash, main[4]!.hash], added: [heavy[0]!.hash], forkHeight: 3 });
      expect(await headerAtHeight(sql, 5)).toBeNull();
      await expectConsistentBestChain(sql);
    });

    it('verifies envelopes against the store; a reorg turns them into unknown-block-hash', async () => {
      const s = buildScenario({ length: 5, blockHeight: 3 });
      await insertHeaders(sql, hexes(s.headers));
      const view = storeChainView(sql);
      expect(await verifyEnvelope(s.envelope, view)).toMatchObject({ ok: true, blockHeight: 3, confirmations: 2 });
      expect(await verifyEnvelope(s.bumpEnvelope, view)).toMatchObject({ ok: true, confirmations: 2 });
      await insertHeaders(sql, hexes(mineChain(2, { parent: s.headers[4]! })));
      expect(await verifyEnvelope(s.envelope, view)).toMatchObject({ ok: true, confirmations: 4 });
      const fork = mineFork(s.headers[2]!, 5);
      const r = await insertHeaders(sql, hexes(fork));
      expect(r.reorg?.removed).toContain(s.block.hash);
      expect(await verifyEnvelope(s.envelope, view)).toEqual({ ok: false, reason: 'unknown-block-hash', detail: 'not-on-best-chain' });
    });

    it('keeps the best chain consistent under concurrent inserts of competing branches', async () => {
      const main = mineChain(4);
      await insertHeaders(sql, hexes(main));
      const branches = [mineFork(main[1]!, 4), mineFork(main[1]!, 5), mineChain(6, { parent: main[3]! }), mineFork(main[2]!, 3)];
      const results = await Promise.all([...branches, branches[0]!].map((b) => insertHeaders(sql, hexes(b))));
      expect(results).toHaveLength(5);
      // heaviest: main[3] + 6 blocks = 10 blocks of work 2
      const tip = await getTip(sql);
      expect(tip).toMatchObject({ hash: branches[2]![5]!.hash, height: 9, chainwork: '20' });
      const rows = await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM block_headers');
      expect(rows[0]!.n).toBe(String(4 + 4 + 5 + 6 + 3));
      await expectConsistentBestChain(sql);
    });
  });
}

headerStoreSuite('pglite', async () => ({ sql: await createPgliteSql(), done: async () => {} }));
await describeWith(['postgres'], 'header store on PostgreSQL', () => {
  headerStoreSuite('postgres', async () => {
    const db = await createTestDatabase('strata_hdr');
    return { sql: createPgSql({ url: db.url, max: 4 }), done: () => db.drop() };
  });
});
