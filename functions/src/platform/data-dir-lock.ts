/**
 * One writer per embedded data directory (ADR 0030). PGlite keeps the whole database in the
 * memory of the process that opened it and writes it back to its directory; two processes on
 * one directory each see only their own writes, and whichever writes last silently discards
 * the other's acknowledged ones. So a process takes this lock before it opens PGlite.
 *
 * The lock is a folder beside the data directory (`<PGLITE_DIR>.lock/`) of numbered
 * generation files. The holder is the writer of the highest generation, unless that file says
 * `released` or its pid is gone. Taking the lock — first time, after a clean release, or from a
 * dead holder — is always *creating the next generation* with `link()`, which fails if the
 * name exists: of several processes that saw the same free generation n, exactly one creates
 * n+1. Nothing is ever overwritten by a contender, so there is no window in which two take over
 * one stale lock. Files are complete when they appear (written aside, then linked or renamed).
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface LockHolder {
  readonly pid: number;
  /** What holds it: the server (`npm start`) or the migration command. */
  readonly role: 'server' | 'migrate';
  readonly startedAt: string;
  /** The server's URL once it listens. */
  readonly url?: string;
  readonly released?: boolean;
}

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    const what = holder.role === 'server' ? `a Strata server${holder.url ? ` listening on ${holder.url}` : ' (starting, not listening yet)'}` : 'a migration';
    super(
      `the data directory ${dataDir} is in use by pid ${holder.pid}: ${what}, since ${holder.startedAt}. ` +
        `Stop that process first, or set PGLITE_DIR to another directory (lock: ${lockFile}).`,
    );
  }
}

export interface DataDirLock {
  /** The generation file this process holds. */
  readonly file: string;
  /** Records where the server listens (named to anyone refused). */
  setUrl(url: string): Promise<void>;
  /** Marks the lock released; safe to call twice. */
  release(): Promise<void>;
  /** The same, synchronously, for `process.on('exit')`. */
  releaseSync(): void;
}

export interface LockOptions {
  readonly role: LockHolder['role'];
  /** For tests: this process's pid and how liveness is decided. */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

const GEN = /^(\d{12})\.json$/;
const genName = (n: number) => `${String(n).padStart(12, '0')}.json`;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function generations(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((n) => GEN.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' ? h : null;
  } catch {
    return null;
  }
}

/** Writes `body` beside `target` first, so readers only ever see complete files. */
async function writeAside(dir: string, body: LockHolder): Promise<string> {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, `${JSON.stringify(body)}\n`);
  return tmp;
}

/**
 * Takes the lock of `dataDir` or throws DataDirLockedError naming the live holder. A holder
 * whose pid is gone (killed, crashed) is taken over.
 */
export async function acquireDataDirLock(dataDir: string, o: LockOptions): Promise<DataDirLock> {
  const pid = o.pid ?? process.pid;
  const alive = o.isAlive ?? processAlive;
  const shown = dataDir;
  const dir = `${resolve(dataDir)}.lock`;
  await mkdir(dir, { recursive: true });
  const me: LockHolder = { pid, role: o.role, startedAt: new Date().toISOString() };

  for (let attempt = 0; attempt < 50; attempt++) {
    const gens = await generations(dir);
    const top = gens.at(-1);
    if (top !== undefined) {
      const file = join(dir, genName(top));
      const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
      if (text === null) continue; // cleaned up by a newer holder meanwhile: look again
      const holder = parseHolder(text);
      if (!holder) throw new Error(`the lock file ${file} is unreadable; remove it if no Strata process uses ${shown}`);
      if (!holder.released && alive(holder.pid) && holder.pid !== pid) throw new DataDirLockedError(shown, holder, file);
    }
    const mine = (top ?? 0) + 1;
    const file = join(dir, genName(mine));
    const tmp = await writeAside(dir, me);
    try {
      await link(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process took this generation: look again
      throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    // A generation can be created again only after a newer holder cleaned it up: then that one holds.
    const after = await generations(dir);
    if ((after.at(-1) ?? 0) > mine) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    for (const g of after) if (g < mine) await unlink(join(dir, genName(g))).catch(() => undefined);
    return holding(dir, file, me);
  }
  throw new Error(`could not take the lock of ${shown} (${dir}): it changed hands too often`);
}

function holding(dir: string, file: string, me: LockHolder): DataDirLock {
  let current = me;
  let released = false;
  const replace = async (next: LockHolder) => {
    const tmp = await writeAside(dir, next);
    await rename(tmp, file);
  };
  return {
    file,
    async setUrl(url) {
      if (released) return;
      current = { ...current, url };
      await replace(current);
    },
    async release() {
      if (released) return;
      released = true;
      await replace({ ...current, released: true });
    },
    releaseSync() {
      if (released) return;
      released = true;
      const tmp = join(dir, `.tmp-${process.pid}-exit`);
      try {
        writeFileSync(tmp, `${JSON.stringify({ ...current, released: true })}\n`);
        renameSync(tmp, file);
      } catch {
        // the pid check takes over a lock whose holder is gone anyway
      }
    },
  };
}
