/**
 * Hands each test file its own Redis database index (1–15), flushed on acquire, so suites
 * running in parallel never see each other's keys. Lock files carry the owner's pid; a lock
 * whose process is gone is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { REDIS_URL } from './reachable';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function tryLock(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch {
    const owner = Number(await readFile(path, 'utf8').catch(() => 'NaN'));
    if (Number.isFinite(owner) && owner > 0 && !alive(owner)) {
      await unlink(path).catch(() => undefined);
      return tryLock(path);
    }
    return false;
  }
}

/** Acquires a free db index, flushes it, and returns it with its release function. */
export async function acquireRedisDb(): Promise<{ db: number; release(): Promise<void> }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (let db = 1; db <= 15; db++) {
      const path = join(tmpdir(), `strata-redis-db-${db}.lock`);
      if (await tryLock(path)) {
        const client = new Redis(`${REDIS_URL}/${db}`, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await client.connect();
        await client.flushdb();
        await client.quit();
        return { db, release: () => unlink(path).catch(() => undefined) };
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no free Redis database index for this test file');
}
