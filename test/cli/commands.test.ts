/**
 * `strata` against a real server (the node entry in a child process): on the embedded default
 * (tokens found in the tokens file it wrote, an identity key made on first use) and on
 * PostgreSQL + Redis (migrated by `strata migrate`, tokens from the environment). Every command
 * is checked by its effect through the API (the typed client reads back what the command did),
 * plus the output contract: `--json` is one JSON document on stdout, errors are one
 * problem+json document on stderr with nothing on stdout, exit codes as documented.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDlm1Tx } from '@strata/core/catalog/dlm1';
import { StrataClient, StrataProblem } from '@strata/client';
import { COMMANDS } from '../../packages/client/src/cli/commands/index';
import type { CommandSpec } from '../../packages/client/src/cli/framework';
import { runBin, runCli, startServer, type CliEnv, type Server } from '../support/cli';
import { buildPayment } from '../support/payments-world';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { acquireRedisDb } from '../support/redis-db';
import { describeWith, REDIS_URL } from '../support/reachable';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
// small thresholds so a few KiB exercise the multipart path
const UPLOAD_ENV = { UPLOAD_MULTIPART_THRESHOLD_BYTES: '4096', UPLOAD_PART_SIZE_BYTES: '2048' };

interface Stack {
  server: Server;
  dir: string;
  cli: CliEnv;
  /** What the test reads the effects back with (admin token included). */
  client: StrataClient;
  tokenSource: RegExp;
  close(): Promise<void>;
}

/** The file under `dir` whose bytes are `content`. */
async function findFile(dir: string, content: Buffer): Promise<string> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if ((await readFile(path)).equals(content)) return path;
  }
  throw new Error(`no stored copy of the content under ${dir}`);
}

function allCommands(specs: readonly CommandSpec[], prefix: string[] = []): string[][] {
  return specs.flatMap((s) => [[...prefix, s.name], ...(s.subcommands ? allCommands(s.subcommands, [...prefix, s.name]) : [])]);
}

function scenario(make: () => Promise<Stack>) {
  let s: Stack;
  const run = (argv: string[], o: Partial<CliEnv> = {}) => runCli(argv, { ...s.cli, ...o });
  const state: { versionId?: string; contentHash?: string; file?: string; price?: number } = {};

  beforeAll(async () => {
    s = await make();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('--help on every command and group: usage on stdout, exit 0, nothing on stderr', async () => {
    for (const path of allCommands(COMMANDS)) {
      const r = await run([...path, '--help']);
      expect([r.code, r.stderr], path.join(' ')).toEqual([0, '']);
      expect(r.stdout).toContain(`strata ${path.join(' ')} — `);
      expect(r.stdout).toMatch(/Usage: strata /);
    }
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c.name}`);
  });

  it('health and tokens: the server answers ok; the tokens come from the expected source', async () => {
    const h = await run(['health', '--json']);
    expect(h.code).toBe(0);
    expect(h.json()).toMatchObject({ status: 'ok', database: { ok: true } });
    const t = await run(['tokens', '--json']);
    expect(t.code).toBe(0);
    const tokens = t.json();
    expect(tokens.admin.source).toMatch(s.tokenSource);
    // the token the command found is the one the server accepts for admin operations
    const admin = new StrataClient({ baseUrl: s.server.url, adminToken: tokens.admin.token });
    expect(await admin.deadLetters()).toBeTruthy();
  });

  it('publish (multipart upload): the listing, the verified upload and the price are there; a rerun resumes the same version', async () => {
    const content = bytes(5000, 1);
    const file = join(s.dir, 'weather.csv');
    await writeFile(file, content);
    // on a terminal, but --json: no progress, no notes, one document
    const r = await run(['publish', 'weather.csv', '--name', 'Hourly weather', '--tag', 'weather', '--price', '1200', '--json'], { tty: true });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = r.json();
    expect(out).toMatchObject({ status: 'created', funding: 'dev', contentHash: sha256(content), sizeBytes: 5000, mimeType: 'text/csv', datasetId: 'hourly-weather', upload: { status: 'verified' }, priceSat: 1200 });
    const listing = await s.client.listing(out.versionId);
    expect(listing.manifest).toMatchObject({ contentHash: sha256(content), datasetId: 'hourly-weather', name: 'Hourly weather', license: 'CC-BY-4.0' });
    expect(listing.txid).toBe(out.txid);
    expect((await s.client.upload(out.upload.uploadId)).status).toBe('verified');
    expect((await s.client.price(out.versionId)).satoshis).toBe(1200);
    // the producer is the identity key the command made on first use (mode 0600)
    const keyFile = join(s.dir, '.strata', 'identity.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(out.producerKey).toBe(PrivateKey.fromHex((await readFile(keyFile, 'utf8')).trim()).toPublicKey().toString());

    const again = await run(['publish', 'weather.csv', '--name', 'Hourly weather', '--tag', 'weather', '--price', '1200']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(out.versionId); // human output: the versionId alone
    expect(again.stderr).toContain('resuming');
    expect((await s.client.listings({ datasetId: 'hourly-weather' })).items).toHaveLength(1);
    Object.assign(state, { versionId: out.versionId, contentHash: sha256(content), file, price: 1200 });
  });

  it('an interrupted upload resumes: the rerun sends only the parts the store lacks', async () => {
    const content = bytes(6000, 2); // 3 parts of 2048, 2048, 1904
    await writeFile(join(s.dir, 'big.bin'), content);
    const puts: string[] = [];
    let failPuts = true;
    const flaky = async (req: Request) => {
      if (req.method === 'PUT' && req.url.includes('/blobs/')) {
        puts.push(req.url);
        if (failPuts && puts.length > 1) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      }
      return globalThis.fetch(req);
    };
    const first = await run(['publish', 'big.bin', '--name', 'Big binary', '--json'], { fetch: flaky });
    expect(first.code).toBe(5);
    expect(first.stdout).toBe('');
    expect(first.problem()).toMatchObject({ error: 'unreachable', exitCode: 5 });
    const sentFirst = puts.length;
    expect(sentFirst).toBeGreaterThan(1);
    failPuts = false;
    puts.length = 0;
    const second = await run(['publish', 'big.bin', '--name', 'Big binary', '--json'], { fetch: flaky });
    expect(second.code, second.stderr).toBe(0);
    expect(puts).toHaveLength(2); // part 1 was stored before the failure
    const out = second.json();
    expect(out.upload.status).toBe('verified');
    expect((await s.client.listing(out.versionId)).manifest.contentHash).toBe(sha256(content));
  });

  it('lineage: a child published with --parent shows its parent, as JSON edges and as an indented tree', async () => {
    await writeFile(join(s.dir, 'clean.csv'), bytes(300, 3));
    // on a terminal, human: progress bars and notes on stderr, the versionId alone on stdout
    const child = await run(['publish', 'clean.csv', '--name', 'Weather, cleaned', '--dataset', 'weather-clean', '--parent', state.versionId!, '--transform', 'dedupe'], { tty: true });
    expect(child.code, child.stderr).toBe(0);
    expect(child.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(child.stderr).toMatch(/\rhashing clean\.csv \[/);
    expect(child.stderr).toContain('declared ');
    const childId = child.stdout.trim();
    expect((await s.client.listing(childId)).parents).toEqual([state.versionId]);

    const j = await run(['lineage', childId, '--json']);
    expect(j.code).toBe(0);
    expect(j.json().edges).toEqual([{ child: childId, parent: state.versionId }]);
    const plain = await run(['lineage', childId]);
    expect(plain.stdout.split('\n').slice(0, 2)).toEqual([`${childId}  weather-clean — Weather, cleaned`, `  ${state.versionId}  hourly-weather — Hourly weather`]);
    const tty = await run(['lineage', childId], { tty: true });
    expect(tty.stdout).toContain(`└─ ${state.versionId}`);
  });

  it('lineage of an OpenLineage dataset: what its runs read, upstream and downstream, as JSON and as a tree', async () => {
    const link = (ins: string[], outs: string[]) => ({
      eventType: 'COMPLETE' as const,
      eventTime: '2024-01-01T00:00:00Z',
      producer: 'https://example.test/producer',
      run: { runId: randomUUID() },
      job: { namespace: 'jobs', name: `job-${outs[0]}` },
      inputs: ins.map((name) => ({ namespace: 'wh', name })),
      outputs: outs.map((name) => ({ namespace: 'wh', name })),
    });
    await s.client.ingestLineage(link(['raw'], ['clean']) as never);
    await s.client.ingestLineage(link(['clean', 'rates'], ['report']) as never);
    const j = await run(['lineage', 'dataset:wh:report', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const edges = (j.json().edges as Array<{ from: string; to: string }>).map((e) => `${e.from}>${e.to}`).sort();
    expect(edges).toEqual(['dataset:wh:clean>dataset:wh:report', 'dataset:wh:rates>dataset:wh:report', 'dataset:wh:raw>dataset:wh:clean']);
    const plain = await run(['lineage', 'dataset:wh:report']);
    expect(plain.stdout.trim().split('\n')).toEqual(['wh:report', '  wh:clean', '    wh:raw', '  wh:rates']);
    const down = await run(['lineage', 'dataset:wh:raw', '--direction', 'down'], { tty: true });
    expect(down.stdout.trim().split('\n')).toEqual(['wh:raw', '└─ wh:clean', '   └─ wh:report']);
  });

  it('listings finds the version by its words', async () => {
    const r = await run(['listings', 'hourly', '--json']);
    expect(r.code).toBe(0);
    expect(r.json().items.map((i: { versionId: string }) => i.versionId)).toContain(state.versionId);
    const none = await run(['listings', 'zzzznothing']);
    expect([none.code, none.stdout.trim()]).toEqual([0, 'no versions match "zzzznothing"']);
  });

  it('ready answers no (exit 3) with the reason until headers exist; bundle is a problem (exit 1, problem+json on stderr, stdout empty)', async () => {
    const r = await run(['ready', state.versionId!, '--json']);
    expect(r.code).toBe(3);
    expect(r.json()).toMatchObject({ versionId: state.versionId, ready: false, reason: 'headers-unavailable' });
    const human = await run(['ready', state.versionId!]);
    expect(human.stdout).toContain('not ready: headers-unavailable');
    const b = await run(['bundle', state.versionId!, '--json']);
    expect([b.code, b.stdout]).toEqual([1, '']);
    expect(b.problem()).toMatchObject({ status: 409, error: 'incomplete-lineage', exitCode: 1 });
  });

  it('policy create | list | evaluate: stored, listed, and a licence rule blocks (exit 3); a bad document names the field', async () => {
    const c = await run(['policy', 'create', 'cli-strict', '--document', JSON.stringify({ minConfs: 0, licenseAllowList: ['MIT'] }), '--json']);
    expect(c.code, c.stderr).toBe(0);
    const policyId = c.json().policyId as string;
    expect(await s.client.policy(policyId)).toMatchObject({ name: 'cli-strict', enabled: true, policy: { licenseAllowList: ['MIT'] } });
    const l = await run(['policy', 'list']);
    expect(l.stdout).toContain(policyId);
    const e = await run(['policy', 'evaluate', state.versionId!, '--policy', policyId, '--json']);
    expect(e.code).toBe(3);
    expect(e.json()).toMatchObject({ decision: 'block', reasons: expect.arrayContaining(['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED']) });
    const bad = await run(['policy', 'create', 'typo', '--document', '{"minConf":1}']);
    expect([bad.code, bad.stdout]).toEqual([1, '']);
    expect(bad.stderr).toMatch(/\[validation-failed\]/);
    expect(bad.stderr).toContain('body.policy.minConf: unknown key');
  });

  it('buy: pays, downloads, and the written file hashes to the contentHash; the receipt is paid', async () => {
    const r = await run(['buy', state.versionId!, '--out', 'bought.csv', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({ verified: true, amountSat: state.price, contentHash: state.contentHash, sha256: state.contentHash });
    expect(sha256(await readFile(join(s.dir, 'bought.csv')))).toBe(state.contentHash);
    expect(await readFile(join(s.dir, 'bought.csv'))).toEqual(await readFile(state.file!));
    expect((await s.client.receipt(out.receiptId)).status).toBe('paid');
    const human = await run(['buy', state.versionId!, '--out', 'again.csv', '--max-price', '5']);
    expect(human.code).toBe(3); // refused before paying
    await expect(stat(join(s.dir, 'again.csv'))).rejects.toThrow();
  });

  it('buy --unsigned prints the template; a wallet pays it; --receipt --raw-tx finishes the purchase', async () => {
    const u = await run(['buy', state.versionId!, '--unsigned', '--json']);
    expect(u.code, u.stderr).toBe(0);
    const { receiptId, outputs, amountSat } = u.json();
    expect(outputs.reduce((a: number, o: { satoshis: number }) => a + o.satoshis, 0)).toBe(amountSat);
    expect((await s.client.receipt(receiptId)).status).toBe('pending');
    const pay = await buildPayment(outputs);
    const r = await run(['buy', state.versionId!, '--receipt', receiptId, '--raw-tx', pay.ef, '--out', 'wallet-bought.csv', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ receiptId, verified: true, payment: { txid: pay.txid, funding: 'wallet' } });
    expect((await s.client.payment(receiptId)).receipt.payment?.txid).toBe(pay.txid);
    expect(sha256(await readFile(join(s.dir, 'wallet-bought.csv')))).toBe(state.contentHash);
  });

  it('buy refuses bytes that do not hash to the contentHash: exit 4, nothing written', async () => {
    const content = bytes(700, 9);
    await writeFile(join(s.dir, 'fragile.csv'), content);
    const p = await run(['publish', 'fragile.csv', '--name', 'Fragile']);
    expect(p.code, p.stderr).toBe(0);
    // the stored object is damaged on disk (the filesystem blob store of both stacks)
    const stored = await findFile(join(s.dir, '.strata', 'blobs', 'data'), Buffer.from(content));
    const damaged = Buffer.from(content);
    damaged[0] = damaged[0]! ^ 0xff;
    await writeFile(stored, damaged);
    const r = await run(['buy', p.stdout.trim(), '--out', 'fragile-copy.csv', '--json']);
    expect([r.code, r.stdout]).toEqual([4, '']);
    expect(r.problem()).toMatchObject({ error: 'sha256-mismatch', expected: sha256(content), actual: sha256(damaged), exitCode: 4 });
    await expect(stat(join(s.dir, 'fragile-copy.csv'))).rejects.toThrow();
    await expect(stat(join(s.dir, 'fragile-copy.csv.part'))).rejects.toThrow();
  });

  it('--unsigned prints the declaration for a wallet and submits nothing; --raw-tx with the signed transaction publishes it', async () => {
    await writeFile(join(s.dir, 'wallet.csv'), bytes(100, 4));
    const u = await run(['publish', 'wallet.csv', '--name', 'Wallet funded', '--unsigned', '--no-upload', '--json']);
    expect(u.code, u.stderr).toBe(0);
    const { versionId, outputs, unsignedTx } = u.json();
    expect(outputs).toHaveLength(1);
    expect(unsignedTx).toMatch(/^[0-9a-f]+$/);
    await expect(s.client.listing(versionId)).rejects.toBeInstanceOf(StrataProblem);
    // "the wallet": a transaction carrying exactly that output
    const signed = buildDlm1Tx({ versionId });
    const p = await run(['publish', 'wallet.csv', '--name', 'Wallet funded', '--no-upload', '--raw-tx', signed.rawTx, '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.json()).toMatchObject({ versionId, txid: signed.txid, funding: 'wallet', upload: null });
    expect((await s.client.listing(versionId)).txid).toBe(signed.txid);
  });

  it('errors: a bad option is exit 2 before any request; an unreachable server exit 5; no token for a remote server exit 2', async () => {
    const bad = await run(['listings', '--frobnicate', '--json']);
    expect([bad.code, bad.stdout]).toEqual([2, '']);
    expect(bad.problem()).toMatchObject({ error: 'usage', exitCode: 2 });
    const notHex = await run(['ready', 'nope']);
    expect([notHex.code, notHex.stderr.trim()]).toEqual([2, 'strata ready: versionId must be 64 hex characters']);
    const down = await run(['health', '--url', 'http://127.0.0.1:9', '--json']);
    expect(down.code).toBe(5);
    expect(down.problem()).toMatchObject({ error: 'unreachable' });
    const remote = await run(['policy', 'create', 'x', '--document', '{}', '--url', 'https://strata.invalid'], { env: { STRATA_HOME: join(s.dir, '.strata') } });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/no admin token/);
  });
}

describe('strata against the embedded default', () => {
  scenario(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-cli-'));
    // no tokens in the environment: the server writes .strata/tokens.json in its directory
    const server = await startServer({ ...UPLOAD_ENV }, dir);
    const tokens = JSON.parse(await readFile(join(dir, '.strata', 'tokens.json'), 'utf8')) as { admin: string };
    return {
      server,
      dir,
      cli: { env: { STRATA_URL: server.url }, cwd: dir },
      client: new StrataClient({ baseUrl: server.url, adminToken: tokens.admin }),
      tokenSource: /\.strata\/tokens\.json$/,
      async close() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });

  it('the bin: `npx strata --help` from the repository and `strata migrate` on a fresh embedded directory', async () => {
    const help = await runBin(['--help'], { env: {}, npx: true });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^strata — /);
    const dir = await mkdtemp(join(tmpdir(), 'strata-cli-migrate-'));
    try {
      const m = await runBin(['migrate', '--json'], { env: { STRATA_HOME: join(dir, 'state') }, cwd: dir });
      expect(m.code, m.stderr).toBe(0);
      const applied = m.json().applied as string[];
      expect(applied.length).toBeGreaterThan(5);
      const check = await runBin(['migrate', '--check', '--json'], { env: { STRATA_HOME: join(dir, 'state') }, cwd: dir });
      expect(check.code).toBe(0);
      expect(check.json()).toMatchObject({ upToDate: true, pending: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

await describeWith(['postgres', 'redis'], 'strata against PostgreSQL + Redis', () => {
  scenario(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-cli-pg-'));
    const db: TestDatabase = await createTestDatabase('strata_cli');
    const redis = await acquireRedisDb();
    const tokens = { ADMIN_TOKEN: 'cli-admin-token-0123456789', INGEST_TOKEN: 'cli-ingest-token-0123456789' };
    // the database starts empty: `strata migrate` brings it up to date, else the server answers 503
    const m = await runCli(['migrate', '--json'], { env: { DATABASE_URL: db.url }, cwd: dir });
    if (m.code !== 0) throw new Error(`strata migrate failed: ${m.stderr}`);
    const server = await startServer({ ...UPLOAD_ENV, ...tokens, DATABASE_URL: db.url, REDIS_URL: `${REDIS_URL}/${redis.db}` }, dir);
    return {
      server,
      dir,
      cli: { env: { STRATA_URL: server.url, STRATA_ADMIN_TOKEN: tokens.ADMIN_TOKEN, STRATA_INGEST_TOKEN: tokens.INGEST_TOKEN }, cwd: dir },
      client: new StrataClient({ baseUrl: server.url, adminToken: tokens.ADMIN_TOKEN }),
      tokenSource: /^STRATA_ADMIN_TOKEN$/,
      async close() {
        await server.stop();
        await Promise.all([db.drop(), redis.release()]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
});
