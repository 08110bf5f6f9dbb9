/**
 * A private redis-server for fault tests (never the shared one on 6379): started on a free port,
 * killed (SIGKILL) and restarted on the same port, paused (SIGSTOP) and resumed, made to refuse
 * authentication. No persistence: a killed server comes back empty, as a cache tier may.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import Redis from 'ioredis';

export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  kill(): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Sets a password and cuts every client, so reconnects fail with NOAUTH until `allowAuth()`. */
  refuseAuth(): Promise<void>;
  allowAuth(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const PASSWORD = 'fault-test-password';

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  let password: string | null = null;
  const admin = () => {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, ...(password ? { password } : {}) });
    c.on('error', () => undefined); // refusals while the server starts are expected
    return c;
  };
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const c = admin();
      const ok = await c.connect().then(() => c.ping()).then(() => true, () => false);
      c.disconnect();
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${port}`);
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    proc = null;
    password = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    kill,
    start,
    pause: () => void proc?.kill('SIGSTOP'),
    resume: () => void proc?.kill('SIGCONT'),
    async refuseAuth() {
      const c = admin();
      await c.connect();
      await c.config('SET', 'requirepass', PASSWORD);
      password = PASSWORD;
      await c.client('KILL', 'TYPE', 'normal').catch(() => undefined);
      c.disconnect();
    },
    async allowAuth() {
      const c = admin();
      await c.connect();
      await c.config('SET', 'requirepass', '');
      password = null;
      c.disconnect();
    },
    async close() {
      proc?.kill('SIGCONT');
      await kill();
    },
  };
}
