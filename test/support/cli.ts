/**
 * Running `strata` in tests: in-process through the exported `main` with captured stdout/stderr
 * (fast; the same code path as the bin), or as the real bin in a child process; and a Strata
 * server as an operator runs it (the node entry in a child process, in a working directory of
 * the test's own, so an embedded server writes its tokens file there).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { main } from '../../packages/client/src/cli/main';
import type { FetchLike } from '../../packages/client/src/transport';
import { freePort, REPO_ROOT } from './strata-process';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  json<T = Record<string, any>>(): T;
  /** stderr parsed as the one problem+json document `--json` errors promise. */
  problem(): Record<string, any>;
}

const result = (code: number, stdout: string, stderr: string): CliRun => ({
  code,
  stdout,
  stderr,
  json: () => JSON.parse(stdout),
  problem: () => JSON.parse(stderr),
});

export interface CliEnv {
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Pretend stdout and stderr are terminals. */
  readonly tty?: boolean;
  readonly fetch?: FetchLike;
}

/** `strata <argv>` in-process. */
export async function runCli(argv: readonly string[], o: CliEnv): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s), isTTY: o.tty ?? false, columns: 120 },
    stderr: { write: (s: string) => (err += s), isTTY: o.tty ?? false, columns: 120 },
    env: o.env,
    cwd: o.cwd,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  return result(code, out, err);
}

const BIN = `${REPO_ROOT}packages/client/bin/strata.mjs`;

/** The real bin (`node packages/client/bin/strata.mjs …`), or `npx strata …` from the repository with `npx: true`. */
export function runBin(argv: readonly string[], o: { env: Record<string, string>; cwd?: string; npx?: boolean }): Promise<CliRun> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...o.env };
  const [cmd, args] = o.npx ? ['npx', ['--no-install', 'strata', ...argv]] : [process.execPath, [BIN, ...argv]];
  const child = spawn(cmd, args as string[], { cwd: o.npx ? REPO_ROOT : (o.cwd ?? REPO_ROOT), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve(result(code ?? -1, out, err))));
}

export interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The node entry with `env` (plus PATH, HOME, PORT, LOG_LEVEL) in `cwd`; resolves once it listens. */
export async function startServer(env: Record<string, string>, cwd: string, ms = 120_000): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', tsxLoader, `${REPO_ROOT}functions/src/entry/node.ts`], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + ms;
  while (!out.includes('"msg":"strata listening"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
