/**
 * Helpers that run a bench's other parties in their own processes, so that none of them shares
 * the measured server's event loop: the Upstash bridge (like the real Upstash, a separate
 * server) and HTTP clients that time requests from outside.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REDIS_URL } from '../test/support/reachable';

/** The Upstash REST bridge in front of Redis database `db`; resolves with its URL, token and a stopper. */
export function upstashBridgeProcess(db: number): Promise<{ url: string; token: string; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./upstash-bridge-process.ts', import.meta.url))], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, STRATA_BRIDGE_REDIS_URL: REDIS_URL, STRATA_BRIDGE_DB: String(db) },
    });
    child.stdout.once('data', (d: Buffer) => {
      const o = JSON.parse(d.toString()) as { url: string; token: string };
      resolve({ ...o, stop: () => child.stdin.end() });
    });
    child.on('error', reject);
  });
}

/** Runs `script` (a bench file) in a child process with `input` as JSON on stdin; resolves with its JSON stdout. */
export function runJsonProcess<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify(input));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${script} exited ${code}`))));
  });
}
