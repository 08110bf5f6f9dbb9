/**
 * One writer per embedded data directory (ADR 0030): many contenders taking over one stale lock
 * at once leave exactly one holder; and with real processes on one temporary `.strata`, a second
 * server refuses naming the first (pid and URL) while the first keeps every write it
 * acknowledged — after a clean restart, and after a `kill -9` whose stale lock the next start
 * takes over.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from '@strata/functions/platform/data-dir-lock';
import { makePublication } from '../support/dlm1';
import { freePort, killGroup, listening, runStrata, type StrataProcess } from '../support/strata-process';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-lock-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('data directory lock', () => {
  it('is refused while held, free once released, and of many contenders for a stale one exactly one wins', async () => {
    const dataDir = join(root, 'race', 'pglite');
    const dead = new Set<number>();
    const isAlive = (pid: number) => !dead.has(pid);

    const first = await acquireDataDirLock(dataDir, { role: 'server', pid: 10, isAlive });
    await first.setUrl('http://127.0.0.1:1234');
    const refused = await acquireDataDirLock(dataDir, { role: 'server', pid: 11, isAlive }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).message).toContain('pid 10: a Strata server listening on http://127.0.0.1:1234');
    await first.release();
    let holder: DataDirLock = await acquireDataDirLock(dataDir, { role: 'migrate', pid: 11, isAlive });
    let holderPid = 11;

    for (let round = 0; round < 15; round++) {
      dead.add(holderPid); // the holder dies without releasing
      const pids = Array.from({ length: 8 }, (_, i) => 1000 + round * 10 + i);
      const results = await Promise.allSettled(pids.map((pid) => acquireDataDirLock(dataDir, { role: 'server', pid, isAlive })));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ lock: r.value, pid: pids[i]! }] : []));
      expect(won, `round ${round}`).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(DataDirLockedError);
          expect((r.reason as DataDirLockedError).holder.pid).toBe(won[0]!.pid);
        }
      }
      holder = won[0]!.lock;
      holderPid = won[0]!.pid;
    }
    // older generations are cleaned up: one file, naming the holder
    const files = (await readdir(`${dataDir}.lock`)).filter((f) => f.endsWith('.json'));
    expect(files).toEqual([holder.file.split('/').at(-1)]);
    expect(JSON.parse(await readFile(holder.file, 'utf8'))).toMatchObject({ pid: holderPid, role: 'server' });
  });
});

describe('two servers on one data directory (real processes)', () => {
  const procs: StrataProcess[] = [];
  const track = (p: StrataProcess) => (procs.push(p), p);
  afterAll(() => procs.forEach(killGroup));

  it('the second refuses naming the first; the first keeps every acknowledged write across a restart and a kill -9', async () => {
    const dir = join(root, 'two');
    const env = {
      PGLITE_DIR: join(dir, 'pglite'),
      BLOB_DIR: join(dir, 'blobs'),
      ADMIN_TOKEN: 'lock-admin-token-0123456789',
      INGEST_TOKEN: 'lock-ingest-token-0123456789',
      RATE_LIMIT_SUBMIT_PER_MIN: '0',
      FEATURE_FLAGS_JSON: '{"lineageHooks":false}',
    };
    const start = async () => {
      const port = await freePort();
      const p = track(runStrata('node-start', { ...env, PORT: String(port) }));
      const line = await p.waitForLog('strata listening', 90_000); // a fresh PGlite directory takes a few seconds, more on a busy machine
      return { p, port, pid: Number(line.pid), base: `http://127.0.0.1:${port}` };
    };
    const acknowledged: string[] = [];
    const publish = async (base: string) => {
      const pub = makePublication({ datasetId: 'ds-lock' });
      const res = await fetch(`${base}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rawTx: pub.rawTx, manifest: pub.manifest }) });
      expect(res.status, await res.clone().text()).toBe(201);
      acknowledged.push(pub.versionId);
    };
    const expectAll = async (base: string) => {
      for (const id of acknowledged) expect((await fetch(`${base}/listings/${id}`)).status, id).toBe(200);
      const page = (await (await fetch(`${base}/listings?datasetId=ds-lock&limit=100`)).json()) as { items: { versionId: string }[] };
      expect(page.items.map((i) => i.versionId).sort()).toEqual([...acknowledged].sort());
    };

    const a = await start();
    await publish(a.base);
    await publish(a.base);

    const secondPort = await freePort();
    const b = track(runStrata('node-start', { ...env, PORT: String(secondPort) }));
    expect(await b.exited(60_000)).toBe(1);
    expect(b.stderr()).not.toMatch(/^\s{4}at /m);
    expect(b.stderr().trim().split('\n')).toHaveLength(1);
    expect(b.stderr()).toContain(`is in use by pid ${a.pid}: a Strata server listening on ${a.base}`);
    expect(await listening(secondPort)).toBe(false);

    await publish(a.base);
    await expectAll(a.base);
    process.kill(a.pid, 'SIGTERM');
    expect(await a.p.exited()).toBe(0);

    const a2 = await start();
    await expectAll(a2.base);
    await publish(a2.base);
    process.kill(a2.pid, 'SIGKILL'); // no clean release: the next start finds a dead holder
    expect(await a2.p.exited()).toBe('SIGKILL');

    const a3 = await start();
    await expectAll(a3.base);
    process.kill(a3.pid, 'SIGTERM');
    expect(await a3.p.exited()).toBe(0);
    expect(acknowledged).toHaveLength(4);
  }, 240_000);
});
