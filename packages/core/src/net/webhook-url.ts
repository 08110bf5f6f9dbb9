/**
 * Webhook targets must be `https` to a public address (docs/adr/0040). Checked twice: when a
 * URL is registered (syntax, literal addresses, and what its host resolves to now) and again
 * by whatever calls it, right before the call (`resolveWebhookTarget`): a name that resolved
 * to a public address at registration can be re-pointed at 127.0.0.1 or 169.254.169.254 later
 * (DNS rebinding). The caller must then connect to one of the addresses returned, not resolve
 * the name a second time.
 */
import { z } from 'zod';
import { StrataError } from '../errors';

/** Resolves a host name to its IPv4 and IPv6 addresses; [] when the name does not exist. */
export type HostResolver = (hostname: string) => Promise<string[]>;

// ---------------------------------------------------------------------------------------------
// Addresses

function parseIPv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x, i) => x <= 255 && String(x) === m[i + 1]) ? b : null;
}

/** Eight 16-bit groups, or null (zone ids and anything malformed are not addresses here). */
function parseIPv6(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let head = s;
  let tail4: number[] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parseIPv4(s.slice(lastColon + 1));
    if (!tail4) return null;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const part = (p: string) => (p === '' ? [] : p.split(':'));
  const left = part(halves[0]!);
  const right = halves.length === 2 ? part(halves[1]!) : [];
  const groups = [...left, ...(halves.length === 2 ? Array(8 - left.length - right.length).fill('0') : []), ...right];
  if (groups.length !== 8 || (halves.length === 2 && left.length + right.length > 7)) return null;
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const out = groups.map((g) => parseInt(g, 16));
  if (tail4) {
    out[6] = (tail4[0]! << 8) | tail4[1]!;
    out[7] = (tail4[2]! << 8) | tail4[3]!;
  }
  return out;
}

const V4_BLOCKED: ReadonlyArray<[number, number, number, number, number]> = [
  [0, 0, 0, 0, 8], // "this network"
  [10, 0, 0, 0, 8], // private
  [100, 64, 0, 0, 10], // CGNAT shared space
  [127, 0, 0, 0, 8], // loopback
  [169, 254, 0, 0, 16], // link-local, including the cloud metadata address 169.254.169.254
  [172, 16, 0, 0, 12], // private
  [192, 0, 0, 0, 24], // IETF protocol assignments
  [192, 0, 2, 0, 24], // documentation
  [192, 88, 99, 0, 24], // 6to4 relay anycast
  [192, 168, 0, 0, 16], // private
  [198, 18, 0, 0, 15], // benchmarking
  [198, 51, 100, 0, 24], // documentation
  [203, 0, 113, 0, 24], // documentation
  [224, 0, 0, 0, 4], // multicast
  [240, 0, 0, 0, 4], // reserved, and broadcast
];

function v4Public(b: readonly number[]): boolean {
  const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return !V4_BLOCKED.some(([a, c, d, e, bits]) => {
    const base = ((a << 24) | (c << 16) | (d << 8) | e) >>> 0;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((n & mask) >>> 0) === base;
  });
}

function v6Public(g: readonly number[]): boolean {
  const embedded4 = () => [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  // IPv4-mapped ::ffff:a.b.c.d and the NAT64 well-known prefix 64:ff9b::/96 reach an IPv4 host
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4Public(embedded4());
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4Public(embedded4());
  // otherwise only global unicast 2000::/3 (this excludes ::, ::1, fc00::/7 unique-local,
  // fe80::/10 link-local, ff00::/8 multicast, 64:ff9b:1::/48, 100::/64), minus its special blocks
  if ((g[0]! & 0xe000) !== 0x2000) return false;
  if (g[0] === 0x2001 && g[1]! < 0x200) return false; // 2001::/23 IETF assignments (Teredo, ORCHID, ...)
  if (g[0] === 0x2001 && g[1] === 0x0db8) return false; // documentation
  if (g[0] === 0x2002) return false; // 6to4: tunnels to an embedded IPv4 address of any kind
  if (g[0] === 0x3fff && g[1]! < 0x1000) return false; // documentation 3fff::/20
  return true;
}

/** True only for a literal IPv4 or IPv6 address that is publicly routable (see the lists above). */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return v4Public(v4);
  const v6 = parseIPv6(ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip);
  return v6 ? v6Public(v6) : false;
}

function isIpLiteral(hostname: string): boolean {
  return parseIPv4(hostname) !== null || (hostname.startsWith('[') && hostname.endsWith(']'));
}

// ---------------------------------------------------------------------------------------------
// URLs

/** Why a URL is not an acceptable webhook target, judged without DNS; null when it may be. */
export function webhookUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (u.protocol !== 'https:') return 'must use https';
  if (u.username !== '' || u.password !== '') return 'must not carry credentials';
  // the WHATWG parser has already turned 2130706433, 0x7f.1 and friends into dotted quads
  const host = u.hostname.toLowerCase();
  if (isIpLiteral(host)) return isPublicAddress(host) ? null : 'must not point at a loopback, private, link-local or otherwise non-public address';
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (!name.includes('.')) return 'must name a fully qualified public host';
  if (name === 'localhost' || /\.(localhost|local|internal|home\.arpa|intranet|lan)$/.test(name)) return 'must name a public host';
  return null;
}

/** zod type of a webhook URL: syntax and literal addresses (no DNS; see resolveWebhookTarget). */
export const WebhookUrl = z
  .string()
  .max(2048)
  .superRefine((s, ctx) => {
    const p = webhookUrlProblem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

/**
 * The check a webhook sender must run right before each call: the URL's syntax again, then the
 * host resolved NOW, refused unless EVERY address is public (a mix lets a rebinding attacker
 * pick). Returns the addresses to connect to. `validation-failed` naming `path` when refused;
 * `unavailable` when the resolver fails.
 */
export async function resolveWebhookTarget(raw: string, resolve: HostResolver, path = 'webhookUrl'): Promise<{ url: URL; addresses: string[] }> {
  const refuse = (message: string) => new StrataError('validation-failed', `The webhook URL is not allowed: ${message}.`, { issues: [{ path, message }] });
  const problem = webhookUrlProblem(raw);
  if (problem) throw refuse(problem);
  const url = new URL(raw);
  const host = url.hostname.toLowerCase();
  if (isIpLiteral(host)) return { url, addresses: [host.replace(/^\[|\]$/g, '')] };
  let addresses: string[];
  try {
    addresses = await resolve(host.endsWith('.') ? host.slice(0, -1) : host);
  } catch (e) {
    throw new StrataError('unavailable', 'The webhook host could not be resolved right now; retry later.', { hint: 'dns-unavailable', cause: e });
  }
  if (addresses.length === 0) throw refuse('its host does not resolve');
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad !== undefined) throw refuse(`its host resolves to ${bad}, which is not a public address`);
  return { url, addresses };
}

// ---------------------------------------------------------------------------------------------
// Resolvers

/**
 * DNS over HTTPS (RFC 8484 JSON form) for hosts without a socket resolver (Workers): A and AAAA
 * answers, CNAME chains followed by the server.
 */
export function dohResolver(o: { endpoint?: string; fetch?: typeof fetch; timeoutMs?: number } = {}): HostResolver {
  const endpoint = o.endpoint ?? 'https://cloudflare-dns.com/dns-query';
  const f = o.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  return async (hostname) => {
    const ask = async (type: 'A' | 'AAAA') => {
      const res = await f(`${endpoint}?name=${encodeURIComponent(hostname)}&type=${type}`, {
        headers: { accept: 'application/dns-json' },
        signal: AbortSignal.timeout(o.timeoutMs ?? 2_000),
      });
      if (!res.ok) throw new Error(`DNS over HTTPS answered ${res.status}`);
      const body = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] };
      if (body.Status === 3) return []; // NXDOMAIN
      if (body.Status !== 0) throw new Error(`DNS over HTTPS status ${body.Status}`);
      return (body.Answer ?? []).filter((a) => a.type === (type === 'A' ? 1 : 28)).map((a) => a.data);
    };
    const [a, aaaa] = await Promise.all([ask('A'), ask('AAAA')]);
    return [...a, ...aaaa];
  };
}
