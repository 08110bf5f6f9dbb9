/**
 * Host resolvers for tests (the `resolveHost` port). Tests never depend on the machine's DNS:
 * names under the reserved `.example` TLD (RFC 2606), which real DNS never answers, resolve to
 * a fixed public address that nothing ever connects to.
 */
import type { HostResolver } from '@strata/core/net/webhook-url';

/** A public address (documentation of "public", not contacted). */
export const PUBLIC_TEST_ADDRESS = '93.184.215.14';

/** Resolves from a table; `*.example` → PUBLIC_TEST_ADDRESS unless the table says otherwise; else NXDOMAIN. */
export function tableResolver(table: Record<string, string[] | (() => string[])> = {}): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const e = table[host];
    if (e !== undefined) return typeof e === 'function' ? e() : e;
    return host.endsWith('.example') ? [PUBLIC_TEST_ADDRESS] : [];
  };
  return Object.assign(resolve, { calls });
}
