/**
 * Strata as an operator runs it: `npm start`, `npm run migrate` or the node entry itself, in a
 * child process with only the environment given (plus PATH and HOME), in its own process group
 * so tests can signal the npm process, the group or node alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StrataProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout JSON log line whose `msg` is `msg` (rejects on exit or after `ms`). */
  waitForLog(msg: string, ms?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited(ms?: number): Promise<number | string>;
}

export type How = 'npm-start' | 'npm-migrate' | 'node-start';

/** Spawns `how` with `env`; `args` go after the script (e.g. `--check`). */
export function runStrata(how: How, env: Record<string, string>, args: string[] = []): StrataProcess {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env };
  const [cmd, argv] =
    how === 'npm-start'
      ? ['npm', ['start', '--silent', ...(args.length ? ['--', ...args] : [])]]
      : how === 'npm-migrate'
        ? ['npm', ['run', 'migrate', '--silent', ...(args.length ? ['--', ...args] : [])]]
        : [process.execPath, ['--import', 'tsx', 'functions/src/entry/node.ts', ...args]];
  const child = spawn(cmd, argv as string[], { cwd: REPO_ROOT, env: base, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    async waitForLog(msg, ms = 90_000) {
      const deadline = Date.now() + ms;
      let exitedWith: number | string | undefined;
      void exit.then((c) => (exitedWith = c));
      while (Date.now() < deadline) {
        for (const line of out.split('\n')) {
          if (!line.startsWith('{')) continue;
          const j = JSON.parse(line) as Record<string, unknown>;
          if (j.msg === msg) return j;
        }
        if (exitedWith !== undefined) throw new Error(`process exited (${exitedWith}) before logging "${msg}":\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no "${msg}" within ${ms} ms:\n${out}\n${err}`);
    },
    exited(ms = 90_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        exit,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${out}\n${err}`)), ms))),
      ]).finally(() => clearTimeout(timer));
    },
  };
}

/** True while a process with `pid` exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Kills whatever is left of a test's process group (cleanup after a failed assertion). */
export function killGroup(p: StrataProcess | undefined): void {
  if (!p) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Polls `probe` until it returns true, at most `ms`. */
export async function eventually(probe: () => Promise<boolean>, ms: number, every = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, every));
  }
}
