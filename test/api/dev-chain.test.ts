/**
 * The dev chain (ADR 0061): the setting is refused for anything production-like, the routes
 * refuse on a server that does not trust it, and on one that does, mining proves every
 * unproven declaration and paid receipt so /ready turns true and confirmations rise — without
 * ever reorganising the chain. Mined blocks are cross-checked with the independent builders of
 * test/support/chain.ts (node:crypto). Runs on the embedded default and, when reachable, on
 * PostgreSQL + Redis.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@strata/core/config/index';
import { createDeps, DepsError } from '@strata/core/create-deps';
import { coinbaseTxid, devGenesis, merklePath, merkleRoot, merkleTree, mineHeader } from '@strata/core/devchain/chain';
import { devChainEnabled } from '@strata/core/devchain/setting';
import { insertHeaders } from '@strata/core/spv/header-store';
import { verifyMerklePath } from '@strata/core/spv/merkle';
import { meetsProofOfWork, parseHeader } from '@strata/core/spv/header';
import { nodePlatform } from '@strata/functions/platform/node';
import { hash256Display, merklePathFor, merkleRootOf, mineChain } from '../support/chain';
import { adminAuth, embeddedDeps, serviceDeps, type TestStack } from '../support/deps';
import { describeWith } from '../support/reachable';
import { buildPayment, call, publishFor } from '../support/payments-world';
import { publish, getBundle, getReady, confsOf } from '../support/trust-world';

const mine = (stack: TestStack, count?: number) =>
  call(stack, 'POST', '/dev-chain/blocks', { headers: adminAuth, ...(count === undefined ? {} : { body: { count } }) });

describe('DEV_CHAIN setting', () => {
  const problems = (env: Record<string, string>) => {
    try {
      parseConfig(env);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map((p) => p.variable);
    }
  };

  it('DEV_CHAIN=true is refused at config load for a production-like stage, a real headers source, ARC or a remote database', () => {
    expect(problems({ DEV_CHAIN: 'true', STAGE: 'production' })).toEqual(['STAGE']);
    expect(problems({ DEV_CHAIN: 'true', STAGE: 'prod' })).toEqual(['STAGE']);
    expect(problems({ DEV_CHAIN: 'true', STAGE: 'staging' })).toEqual(['STAGE']);
    expect(problems({ DEV_CHAIN: 'true', HEADERS_SOURCE: 'https://headers.example/main.json' })).toEqual(['HEADERS_SOURCE']);
    expect(problems({ DEV_CHAIN: 'true', ARC_URL: 'https://arc.example' })).toEqual(['BROADCAST_MODE']);
    expect(problems({ DEV_CHAIN: 'true', BROADCAST_MODE: 'arc', ARC_URL: 'https://arc.example' })).toEqual(['BROADCAST_MODE']);
    expect(problems({ DEV_CHAIN: 'true', DATABASE_URL: 'postgres://u:p@db.neon.tech/strata' })).toEqual(['DATABASE_URL']);
    expect(problems({ DEV_CHAIN: 'true', STAGE: 'production', DATABASE_URL: 'postgres://u@10.0.0.5/strata' }).sort()).toEqual(['DATABASE_URL', 'STAGE']);
    // a local stack may ask for it
    expect(problems({ DEV_CHAIN: 'true', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/strata' })).toEqual([]);
    expect(problems({ DEV_CHAIN: 'true', STAGE: 'dev-alice', DATABASE_URL: 'postgresql://postgres@localhost/strata' })).toEqual([]);
    expect(problems({ DEV_CHAIN: 'true', STAGE: 'ci', BROADCAST_MODE: 'dryrun', ARC_URL: 'https://arc.example' })).toEqual([]);
    // the same production settings without DEV_CHAIN are fine
    expect(problems({ STAGE: 'production', DATABASE_URL: 'postgres://u@10.0.0.5/strata', HEADERS_SOURCE: 'https://h.example/x.json' })).toEqual([]);
  });

  it('unset: on for the embedded database on Node only; off with DATABASE_URL, a non-local stage, a headers source, or on Lambda/Workers', () => {
    expect(devChainEnabled(parseConfig({}), 'node')).toBe(true);
    expect(devChainEnabled(parseConfig({}), 'lambda')).toBe(false);
    expect(devChainEnabled(parseConfig({}), 'worker')).toBe(false);
    expect(devChainEnabled(parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1/strata' }), 'node')).toBe(false);
    expect(devChainEnabled(parseConfig({ STAGE: 'production' }), 'node')).toBe(false);
    expect(devChainEnabled(parseConfig({ HEADERS_SOURCE: './headers.json' }), 'node')).toBe(false);
    expect(devChainEnabled(parseConfig({ ARC_URL: 'https://arc.example' }), 'node')).toBe(false);
    expect(devChainEnabled(parseConfig({ DEV_CHAIN: 'false' }), 'node')).toBe(false);
    expect(devChainEnabled(parseConfig({ DEV_CHAIN: 'true', DATABASE_URL: 'postgres://postgres@127.0.0.1/strata' }), 'node')).toBe(true);
  });

  it('DEV_CHAIN=true is refused on the Lambda and Workers entries before any tier opens; a loud log line when on', async () => {
    for (const runtime of ['lambda', 'worker'] as const) {
      await expect(createDeps(parseConfig({ DEV_CHAIN: 'true', ADMIN_TOKEN: 'a'.repeat(16), INGEST_TOKEN: 'b'.repeat(16) }), { ...nodePlatform(), runtime })).rejects.toThrow(DepsError);
      await expect(createDeps(parseConfig({ DEV_CHAIN: 'true', ADMIN_TOKEN: 'a'.repeat(16), INGEST_TOKEN: 'b'.repeat(16) }), { ...nodePlatform(), runtime })).rejects.toThrow(/DEV_CHAIN=true is refused/);
    }
    const lines: string[] = [];
    const stack = await embeddedDeps({ LOG_LEVEL: 'warn' }, { logSink: (l: string) => lines.push(l) });
    try {
      expect(lines.map((l) => JSON.parse(l).msg)).toContain('DEV CHAIN ON: this server trusts locally mined low-difficulty headers; proofs against them mean nothing outside this machine');
    } finally {
      await stack.close();
    }
    // starting an embedded stack (PGlite, migrations) is the slow part on a loaded machine
  }, 120_000);
});

describe('dev chain blocks (pure)', () => {
  it('the genesis is fixed, meets its proof of work and is what a store sees at height 0', () => {
    const g = devGenesis();
    expect(parseHeader(g.raw)).toEqual(g);
    expect(meetsProofOfWork(g)).toBe(true);
    expect(g.prevHash).toBe('0'.repeat(64));
    expect(hash256Display(Buffer.from(g.raw, 'hex'))).toBe(g.hash);
  });

  it('merkle trees and paths agree with the independent builders for 1..9 leaves', () => {
    for (let n = 1; n <= 9; n++) {
      const txids = Array.from({ length: n }, (_, i) => coinbaseTxid(1000 + i));
      const tree = merkleTree(txids);
      expect(merkleRoot(tree)).toBe(merkleRootOf(txids));
      for (let i = 0; i < n; i++) {
        expect(merklePath(tree, i)).toEqual(merklePathFor(txids, i));
        expect(verifyMerklePath(txids[i], merklePath(tree, i), merkleRoot(tree))).toBe(true);
      }
    }
  });

  it('mined headers link and meet their target', () => {
    const h = mineHeader({ prevHash: devGenesis().hash, merkleRoot: coinbaseTxid(1), time: 1_700_000_600 });
    expect(h.prevHash).toBe(devGenesis().hash);
    expect(meetsProofOfWork(h)).toBe(true);
    expect(hash256Display(Buffer.from(h.raw, 'hex'))).toBe(h.hash);
  });
});

function devChainSuite(name: string, open: () => Promise<TestStack>): void {
  describe(name, () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await open();
    }, 60_000);
    afterAll(async () => stack?.close());

    it('admin only; bad input is a 400 naming the field', async () => {
      expect((await call(stack, 'GET', '/dev-chain')).status).toBe(401);
      expect((await call(stack, 'POST', '/dev-chain/blocks', { body: { count: 1 } })).status).toBe(401);
      expect((await call(stack, 'POST', '/dev-chain/init')).status).toBe(401);
      for (const body of [{ count: 0 }, { count: 101 }, { count: 1.5 }, { count: '2' }, { count: 1, extra: true }]) {
        const r = await call(stack, 'POST', '/dev-chain/blocks', { headers: adminAuth, body });
        expect([r.status, r.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
        expect(JSON.stringify(r.body.issues)).toMatch(/count|extra/);
      }
      // nothing was mined by the refused requests
      expect((await call(stack, 'GET', '/headers/tip')).status).toBe(404);
    });

    it('mining proves every unproven declaration: /ready turns true and confirmations rise, with no reorg', async () => {
      const before = (await call(stack, 'GET', '/dev-chain', { headers: adminAuth })).body;
      expect(before).toMatchObject({ enabled: true, genesis: devGenesis().hash, tip: null, onDevChain: null });
      const root = await publish(stack);
      const child = await publish(stack, [root.versionId]);
      const other = await publish(stack);
      expect((await getReady(stack, child.versionId)).body.ready).toBe(false);
      expect((await call(stack, 'GET', '/dev-chain', { headers: adminAuth })).body.unproven.declarations).toBeGreaterThanOrEqual(3);

      const first = await mine(stack);
      expect(first.status).toBe(200);
      expect(first.body.blocks).toHaveLength(1);
      expect(first.body.blocks[0].height).toBe(1);
      expect(first.body.failed).toEqual([]);
      const proved = first.body.proved.declarations.map((d: { txid: string }) => d.txid);
      expect(proved).toEqual(expect.arrayContaining([root.txid, child.txid, other.txid]));
      expect(first.body.blocks[0].txCount).toBe(proved.length + 1);

      const ready = await getReady(stack, child.versionId);
      expect([ready.status, ready.body.ready]).toEqual([200, true]);
      expect(confsOf((await getBundle(stack, child.versionId)).body)).toEqual({ [root.versionId]: 1, [child.versionId]: 1 });
      const listing = await call(stack, 'GET', `/listings/${other.versionId}`);
      expect(JSON.stringify(listing.body)).toContain('confirmed');

      const more = await mine(stack, 3);
      expect(more.body.blocks.map((b: { height: number }) => b.height)).toEqual([2, 3, 4]);
      expect(more.body.proved.declarations).toEqual([]);
      await stack.settle();
      expect(confsOf((await getBundle(stack, child.versionId)).body)).toEqual({ [root.versionId]: 4, [child.versionId]: 4 });
      const tip = await call(stack, 'GET', '/headers/tip');
      expect([tip.body.height, tip.body.hash]).toEqual([4, more.body.tip.hash]);

      // reorg-free: every stored header is on the best chain, one per height, linked from the dev genesis
      const rows = await stack.deps.sql.query<{ hash: string; prev_hash: string; height: number; on_best: boolean }>(
        `SELECT hash, prev_hash, height, on_best FROM block_headers ORDER BY height`,
      );
      expect(rows.map((r) => Number(r.height))).toEqual([0, 1, 2, 3, 4]);
      expect(rows.every((r) => r.on_best)).toBe(true);
      expect(rows[0]!.hash).toBe(devGenesis().hash);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
      expect(rows[1]!.hash).toBe(first.body.blocks[0].hash);
      const audit = await stack.deps.sql.query(`SELECT after FROM audit_log WHERE action = 'headers.insert' ORDER BY id`);
      expect(audit.map((a) => (a.after as { reorg: unknown }).reorg)).toEqual([null, null, null]);
    });

    it('a paid receipt is proved by the next block and confirmed; later declarations go in later blocks', async () => {
      const producer = PrivateKey.fromRandom();
      const pub = await publishFor(stack, producer);
      const receipt = (await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1 } })).body;
      const quote = (await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } })).body;
      const pay = await buildPayment(quote.outputs);
      const sent = await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: pay.rawTx } });
      expect([sent.status, sent.body.receiptStatus]).toEqual([200, 'paid']);
      const status = (await call(stack, 'GET', '/dev-chain', { headers: adminAuth })).body;
      expect(status.unproven).toEqual({ declarations: 1, payments: 1 });

      const r = await mine(stack, 2);
      expect(r.body.proved.payments).toEqual([{ txid: pay.txid, receiptId: receipt.receiptId, status: 'confirmed', confirmations: 2 }]);
      expect(r.body.proved.declarations.map((d: { txid: string }) => d.txid)).toEqual([pub.txid]);
      const detail = (await call(stack, 'GET', `/payments/${receipt.receiptId}`)).body.receipt;
      expect(detail.status).toBe('confirmed');
      expect(detail.payment.txid).toBe(pay.txid);
      expect((await call(stack, 'GET', '/dev-chain', { headers: adminAuth })).body.unproven).toEqual({ declarations: 0, payments: 0 });
      expect((await getReady(stack, pub.versionId)).body.ready).toBe(true);
    });

    it('concurrent miners both extend the chain: no fork, no reorg', async () => {
      const tip0 = (await call(stack, 'GET', '/headers/tip')).body.height as number;
      const [a, b] = await Promise.all([mine(stack, 2), mine(stack, 3)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const rows = await stack.deps.sql.query<{ n: string; best: string; top: number }>(`SELECT count(*) AS n, count(*) FILTER (WHERE on_best) AS best, max(height) AS top FROM block_headers`);
      expect(Number(rows[0]!.top)).toBe(tip0 + 5);
      expect([Number(rows[0]!.n), Number(rows[0]!.best)]).toEqual([tip0 + 6, tip0 + 6]);
    });

    it('init is idempotent; the header store refuses a batch whose expected tip moved', async () => {
      const r = await call(stack, 'POST', '/dev-chain/init', { headers: adminAuth });
      expect([r.status, r.body.created, r.body.genesis]).toEqual([200, false, devGenesis().hash]);
      const tip = (await call(stack, 'GET', '/headers/tip')).body;
      const stale = mineHeader({ prevHash: tip.hash, merkleRoot: coinbaseTxid(999), time: 2_000_000_000 });
      await expect(insertHeaders(stack.deps.sql, [stale.raw], { expectTip: devGenesis().hash })).rejects.toMatchObject({ code: 'conflict', extra: { hint: 'tip-moved' } });
      expect((await call(stack, 'GET', '/headers/tip')).body.height).toBe(tip.height);
    });
  });
}

devChainSuite('dev chain on the embedded default', () => embeddedDeps({ RATE_LIMIT_PER_MIN: '0' }));
await describeWith(['postgres', 'redis'], 'dev chain on PostgreSQL + Redis (DEV_CHAIN=true)', () =>
  devChainSuite('services', () => serviceDeps({ env: { DEV_CHAIN: 'true', RATE_LIMIT_PER_MIN: '0' } })),
);

describe('a server that does not trust the dev chain', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps({ DEV_CHAIN: 'false' });
  });
  afterAll(async () => stack?.close());

  it('answers 409 dev-chain-off to init and mining, and refuses the dev genesis on POST /headers', async () => {
    const status = (await call(stack, 'GET', '/dev-chain', { headers: adminAuth })).body;
    expect([status.enabled, status.reason]).toEqual([false, 'DEV_CHAIN=false']);
    for (const path of ['/dev-chain/init', '/dev-chain/blocks']) {
      const r = await call(stack, 'POST', path, { headers: adminAuth });
      expect([r.status, r.body.error, r.body.hint]).toEqual([409, 'conflict', 'dev-chain-off']);
    }
    const h = await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: [devGenesis().raw], startHeight: 0 } });
    expect([h.status, h.body.hint]).toEqual([409, 'dev-chain-off']);
    expect((await call(stack, 'GET', '/headers/tip')).status).toBe(404);
  });
});

describe('a store that holds another chain', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps();
  });
  afterAll(async () => stack?.close());

  it('is never mined on: 409 not-dev-chain, nothing stored', async () => {
    const other = mineChain(3);
    expect((await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: other.map((h) => h.hex), startHeight: 0 } })).status).toBe(200);
    for (const path of ['/dev-chain/init', '/dev-chain/blocks']) {
      const r = await call(stack, 'POST', path, { headers: adminAuth });
      expect([r.status, r.body.hint]).toEqual([409, 'not-dev-chain']);
    }
    expect((await call(stack, 'GET', '/dev-chain', { headers: adminAuth })).body.onDevChain).toBe(false);
    expect((await call(stack, 'GET', '/headers/tip')).body.height).toBe(2);
  });
});
