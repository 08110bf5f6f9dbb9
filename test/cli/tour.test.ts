/**
 * The README's ten-minute tour, command by command, against a real listening server (the Node
 * host `npm start` runs): on the embedded default, and on PostgreSQL + Redis with DEV_CHAIN=true
 * when they are reachable. Each step runs the `strata` command in-process (main) and asserts its
 * effect through the API with the typed client, not only its printed text:
 *
 *   strata demo → strata publish (with a demo parent) → strata ready (no) → strata dev-chain mine
 *   → strata ready (yes) → strata lineage (a tree) → strata buy (a verified file) → mine again:
 *   confirmations rise and the payment is confirmed.
 *
 * Step durations are written to stderr (`tour step`), for the note on how long each takes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient } from '@strata/client';
import { main } from '@strata/client/cli/main';
import { DEMO_VERSIONS } from '@strata/client/demo/marketplace';
import { startNodeServer, type NodeServer } from '@strata/functions/platform/node-server';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { REDIS_URL } from '../support/reachable';
import { acquireRedisDb } from '../support/redis-db';
import { describeWith } from '../support/reachable';
import { freePort } from '../support/strata-process';

const ADMIN = 'tour-admin-token-0123456789';
const INGEST = 'tour-ingest-token-0123456789';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json(): any;
}

function tour(name: string, extraEnv: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>): void {
  describe(name, () => {
    let server: NodeServer;
    let dir: string;
    let cleanup: () => Promise<void> = async () => undefined;
    const timings: Array<[string, number]> = [];

    async function strata(...argv: string[]): Promise<Run> {
      let stdout = '';
      let stderr = '';
      const started = performance.now();
      const code = await main(argv, {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        env: { STRATA_URL: server.url, STRATA_ADMIN_TOKEN: ADMIN, STRATA_INGEST_TOKEN: INGEST, STRATA_HOME: join(dir, 'home') },
        cwd: dir,
      });
      timings.push([`strata ${argv.filter((a) => a !== '--json').join(' ').slice(0, 60)}`, performance.now() - started]);
      return { code, stdout, stderr, json: () => JSON.parse(stdout) };
    }
    const api = () => new StrataClient({ baseUrl: server.url, adminToken: ADMIN, ingestToken: INGEST });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'strata-tour-'));
      const extra = await extraEnv();
      cleanup = extra.cleanup;
      const started = performance.now();
      server = await startNodeServer({
        PORT: String(await freePort()),
        PGLITE_DIR: join(dir, 'pglite'),
        BLOB_DIR: join(dir, 'blobs'),
        ADMIN_TOKEN: ADMIN,
        INGEST_TOKEN: INGEST,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_PER_MIN: '0',
        RATE_LIMIT_SUBMIT_PER_MIN: '0',
        ...extra.env,
      });
      timings.push(['server start (npm start)', performance.now() - started]);
    }, 120_000);
    afterAll(async () => {
      await server?.stop('test');
      await cleanup();
      await rm(dir, { recursive: true, force: true });
      process.stderr.write(`tour step timings (${name}):\n${timings.map(([s, ms]) => `  ${(ms / 1000).toFixed(2)} s  ${s}`).join('\n')}\n`);
    });

    it('demo → publish → dev-chain mine → ready → lineage → buy, each effect visible through the API', async () => {
      // 1. the demo marketplace
      const demo = await strata('demo', '--json');
      expect([demo.code, demo.stderr]).toEqual([0, '']);
      const d = demo.json();
      expect(d.versions).toHaveLength(DEMO_VERSIONS.length);
      const listed = await api().listings({ limit: '100' } as never);
      expect((listed as { items: unknown[] }).items).toHaveLength(DEMO_VERSIONS.length);
      const parent = d.versions.find((v: { key: string }) => v.key === 'weather-v2');

      // 2. publish a file derived from a demo version
      const file = join(dir, 'rainy-deliveries.csv');
      const bytes = `order_id,rain_mm,delay_min\n${Array.from({ length: 50 }, (_, i) => `o-${1000 + i},${(i % 5) * 0.4},${(i * 7) % 23}`).join('\n')}\n`;
      await writeFile(file, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const pub = await strata('publish', file, '--name', 'Rainy deliveries', '--parent', parent.versionId, '--price', '700', '--json');
      expect(pub.code, pub.stderr).toBe(0);
      const versionId = pub.json().versionId as string;
      expect(versionId).toMatch(/^[0-9a-f]{64}$/);
      const listing = await api().listing(versionId);
      expect(JSON.stringify(listing)).toContain(sha);
      expect((await api().price(versionId)).satoshis).toBe(700);

      // 3. not ready until its declaration is in a block
      const before = await strata('ready', versionId, '--json');
      expect([before.code, before.json().ready]).toEqual([3, false]);

      // 4. a block proves it
      const mined = await strata('dev-chain', 'mine', '--json');
      expect(mined.code, mined.stderr).toBe(0);
      expect(mined.json().proved.declarations.map((x: { versionId: string }) => x.versionId)).toEqual([versionId]);
      const ready = await strata('ready', versionId, '--json');
      expect([ready.code, ready.json().ready]).toEqual([0, true]);
      expect((await api().ready(versionId)).ready).toBe(true);

      // 5. its lineage, as a tree
      const tree = await strata('lineage', versionId);
      expect(tree.code, tree.stderr).toBe(0);
      expect(tree.stdout).toContain('Rainy deliveries');
      expect(tree.stdout).toMatch(/\n\s+.*Hourly observations, October week 1 \(gaps filled\)/);
      expect(tree.stdout).toMatch(/\n\s{4,}.*Hourly observations, October week 1\b/);
      const bundle = await api().bundle(versionId);
      expect(bundle.proofs.map((p) => p.versionId)).toEqual(expect.arrayContaining([versionId, parent.versionId]));

      // 6. buy it: paid, downloaded, SHA-256 verified
      const out = join(dir, 'bought.csv');
      const buy = await strata('buy', versionId, '--out', out, '--json');
      expect(buy.code, buy.stderr).toBe(0);
      const b = buy.json();
      expect(createHash('sha256').update(await readFile(out)).digest('hex')).toBe(sha);
      const receiptId = b.receiptId as string;
      expect((await api().receipt(receiptId)).status).toMatch(/^(paid|consumed)$/);

      // 7. the next blocks confirm the payment and add confirmations
      const again = await strata('dev-chain', 'mine', '2', '--json');
      expect(again.code, again.stderr).toBe(0);
      expect(again.json().proved.payments.map((x: { receiptId: string }) => x.receiptId)).toEqual([receiptId]);
      expect((await api().payment(receiptId)).receipt.status).toBe('confirmed');
      expect((await api().ready(versionId)).confirmations).toBe(3);
    }, 300_000);

    it('every tour command answers --help', async () => {
      for (const cmd of [['demo'], ['publish'], ['dev-chain'], ['dev-chain', 'mine'], ['dev-chain', 'run'], ['dev-chain', 'init'], ['ready'], ['lineage'], ['buy']]) {
        const r = await strata(...cmd, '--help');
        expect([r.code, r.stdout.startsWith(`strata ${cmd.join(' ')} — `)]).toEqual([0, true]);
      }
    });
  });
}

tour('the tour on the embedded default', async () => ({ env: {}, cleanup: async () => undefined }));

await describeWith(['postgres', 'redis'], 'the tour on PostgreSQL + Redis', () =>
  tour('services (DEV_CHAIN=true)', async () => {
    const [db, lease] = await Promise.all([createTestDatabase('strata_tour'), acquireRedisDb()]) as [TestDatabase, { db: number; release(): Promise<void> }];
    const redis = new URL(REDIS_URL);
    return {
      env: { DATABASE_URL: db.url, MIGRATE_ON_START: 'true', REDIS_URL: `redis://${redis.host}/${lease.db}`, DEV_CHAIN: 'true' },
      cleanup: async () => {
        await db.drop();
        await lease.release();
      },
    };
  }),
);
