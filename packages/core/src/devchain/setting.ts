/**
 * Whether this server trusts the dev chain (ADR 0061). `DEV_CHAIN` unset means "on exactly for
 * the embedded default on a laptop"; `DEV_CHAIN=true` asks for it on a local stack and is
 * refused at config load for anything that looks like production. Lambda and Workers never
 * run it (deps.ts refuses an explicit `true` there).
 */

/** Stages a dev chain may run under: `local` (the default), and dev/test/ci ones (`dev`, `test-7`, `ci-main`). */
const DEV_STAGE = /^(local|dev|development|test|ci)(-[a-z0-9-]+)?$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The settings the decision reads (a subset of Config; raw for the schema's own check). */
export interface DevChainSettings {
  readonly DEV_CHAIN?: boolean | undefined;
  readonly STAGE: string;
  readonly DATABASE_URL?: { reveal(): string } | undefined;
  readonly HEADERS_SOURCE?: string | undefined;
  readonly BROADCAST_MODE?: 'dryrun' | 'arc' | undefined;
  readonly ARC_URL?: string | undefined;
}

function databaseHost(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Why this configuration must not run a dev chain, one reason per setting; empty when it may.
 * Checked at config load when DEV_CHAIN=true (each reason is an error naming its variable).
 */
export function devChainObstacles(c: DevChainSettings): Array<{ variable: string; message: string }> {
  const out: Array<{ variable: string; message: string }> = [];
  if (!DEV_STAGE.test(c.STAGE)) {
    out.push({ variable: 'STAGE', message: `DEV_CHAIN needs a local, dev, test or ci stage (this one may be production)` });
  }
  if (c.HEADERS_SOURCE) {
    out.push({ variable: 'HEADERS_SOURCE', message: 'DEV_CHAIN cannot be combined with a real headers source' });
  }
  if (c.BROADCAST_MODE === 'arc' || (c.BROADCAST_MODE === undefined && c.ARC_URL)) {
    out.push({ variable: 'BROADCAST_MODE', message: 'DEV_CHAIN cannot be combined with broadcasting through ARC (a real network)' });
  }
  if (c.DATABASE_URL) {
    const host = databaseHost(c.DATABASE_URL.reveal());
    if (host === null || !LOOPBACK_HOSTS.has(host)) {
      out.push({ variable: 'DATABASE_URL', message: 'DEV_CHAIN needs a database on this machine (localhost, 127.0.0.1 or ::1)' });
    }
  }
  return out;
}

/**
 * On or off for a parsed configuration on `runtime`. Unset: on for the embedded database on a
 * Node host when nothing else forbids it; `true`: on (the schema already refused obstacles);
 * `false`: off. Lambda and Workers: always off here (an explicit `true` is refused by deps.ts).
 */
export function devChainEnabled(c: DevChainSettings, runtime: string): boolean {
  if (runtime !== 'node') return false;
  if (c.DEV_CHAIN !== undefined) return c.DEV_CHAIN && devChainObstacles(c).length === 0;
  return !c.DATABASE_URL && devChainObstacles(c).length === 0;
}

/** One sentence for the operator: why the dev chain is on or off here. */
export function devChainReason(c: DevChainSettings, runtime: string): string {
  if (runtime !== 'node') return `the dev chain runs only on a Node server (this is ${runtime})`;
  if (c.DEV_CHAIN === false) return 'DEV_CHAIN=false';
  const obstacles = devChainObstacles(c);
  if (obstacles.length > 0) return obstacles.map((o) => `${o.variable}: ${o.message}`).join('; ');
  if (c.DEV_CHAIN === true) return 'DEV_CHAIN=true on a local stack';
  return c.DATABASE_URL ? 'DATABASE_URL is set: a local stack enables the dev chain with DEV_CHAIN=true' : 'the embedded default trusts the dev chain (DEV_CHAIN unset)';
}
