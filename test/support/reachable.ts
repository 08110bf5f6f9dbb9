/**
 * Which real services this machine offers. Suites that need one use `describeWith` so that a
 * machine without PostgreSQL/Redis still passes (and says, by name, what it skipped), while CI
 * (STRATA_REQUIRE_SERVICES=1) fails instead of skipping.
 */
import net from 'node:net';
import { describe } from 'vitest';

export const PG_URL = process.env.STRATA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const requireServices = process.env.STRATA_REQUIRE_SERVICES === '1';

export type Service = 'postgres' | 'redis';

function tcpReachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const probes = new Map<Service, Promise<boolean>>();

/** True when the service answers on its port (probed once per test file). */
export function reachable(service: Service): Promise<boolean> {
  let p = probes.get(service);
  if (!p) {
    const url = new URL(service === 'postgres' ? PG_URL : REDIS_URL);
    p = tcpReachable(url.hostname, Number(url.port || (service === 'postgres' ? 5432 : 6379)));
    probes.set(service, p);
  }
  return p;
}

/**
 * `describe` that runs only when every named service is reachable. Without them it skips with
 * a visible reason; under STRATA_REQUIRE_SERVICES=1 it fails instead.
 */
export async function describeWith(services: readonly Service[], name: string, fn: () => void): Promise<void> {
  const missing: Service[] = [];
  for (const s of services) if (!(await reachable(s))) missing.push(s);
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  if (requireServices) {
    throw new Error(`${name}: required service(s) unreachable: ${missing.join(', ')} (STRATA_REQUIRE_SERVICES=1)`);
  }
  describe.skip(`${name} [skipped: ${missing.join(', ')} unreachable]`, fn);
}
