/**
 * Where the command finds its server, tokens and keys (docs/adr/0060-strata-command.md):
 *
 * - server: `--url`, else `STRATA_URL`, else http://127.0.0.1:8787 (what `npm start` serves);
 * - admin / ingest token: `--admin-token` / `--ingest-token`, else `STRATA_ADMIN_TOKEN` /
 *   `STRATA_INGEST_TOKEN`, else `ADMIN_TOKEN` / `INGEST_TOKEN` (the server's own variables, so a
 *   shell that started the server can drive it), else — only when the server is on this machine
 *   (a loopback host) — the tokens file the embedded server wrote (`<home>/tokens.json`);
 * - identity key (signs manifests and producer writes): `--key-file`, else
 *   `STRATA_IDENTITY_KEY` (hex or WIF), else — only against a loopback server — `<home>/identity.key`,
 *   made (mode 0600) on first use;
 * - funding key (pays for transactions): `--funding-key-file`, else `STRATA_FUNDING_KEY`;
 * - home: `--home`, else `STRATA_HOME`, else `./.strata` (the embedded server's data directory).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { PrivateKey } from '@bsv/sdk';
import { CliError, EXIT, usageError, type Io, type OptionValues } from './framework';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface Discovery {
  readonly url: URL;
  /** The server runs on this machine (loopback host): tokens file and a made key are allowed. */
  readonly local: boolean;
  readonly home: string;
}

export function discover(options: OptionValues, io: Io): Discovery {
  const raw = (typeof options.url === 'string' ? options.url : undefined) ?? io.env.STRATA_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url / STRATA_URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url must be http(s), not ${url.protocol}`);
  const home = resolve(io.cwd, (typeof options.home === 'string' ? options.home : undefined) ?? io.env.STRATA_HOME ?? '.strata');
  return { url, local: LOOPBACK.has(url.hostname), home };
}

export type TokenKind = 'admin' | 'ingest';

/** Where a token came from (said in errors, never the value). */
export interface FoundToken {
  readonly token: string;
  readonly source: string;
}

/** The admin or ingest token by the discovery order; throws a usage error naming every place looked. */
export async function findToken(kind: TokenKind, options: OptionValues, io: Io, d: Discovery): Promise<FoundToken> {
  const flag = options[`${kind}-token`];
  if (typeof flag === 'string' && flag) return { token: flag, source: `--${kind}-token` };
  const upper = kind.toUpperCase();
  for (const name of [`STRATA_${upper}_TOKEN`, `${upper}_TOKEN`]) {
    const v = io.env[name];
    if (v) return { token: v, source: name };
  }
  const file = join(d.home, 'tokens.json');
  if (d.local) {
    try {
      const t = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const v = t[kind];
      if (typeof v === 'string' && v) return { token: v, source: file };
    } catch {
      // absent or unreadable: fall through to the error naming it
    }
  }
  throw new CliError(`no ${kind} token: give --${kind}-token, set STRATA_${upper}_TOKEN or ${upper}_TOKEN${d.local ? `, or start the local server once so it writes ${file}` : ''}`, {
    exitCode: EXIT.usage,
    error: 'missing-token',
    hint: d.local ? `looked in ${file}` : 'a tokens file is read only for a server on this machine',
  });
}

/** A secp256k1 private key from hex (64) or WIF text. */
export async function parsePrivateKey(text: string, where: string): Promise<PrivateKey> {
  const { PrivateKey } = await import('@bsv/sdk');
  const t = text.trim();
  try {
    if (/^[0-9a-fA-F]{64}$/.test(t)) return PrivateKey.fromHex(t);
    return PrivateKey.fromWif(t);
  } catch {
    throw usageError(`${where} does not hold a private key (64 hex characters or WIF)`);
  }
}

async function readKeyFile(file: string): Promise<PrivateKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return await parsePrivateKey(text, file);
}

/** The identity key by the discovery order; against a local server one is made on first use. */
export async function findIdentityKey(options: OptionValues, io: Io, d: Discovery): Promise<{ key: PrivateKey; source: string; created: boolean }> {
  const flag = options['key-file'];
  if (typeof flag === 'string' && flag) return { key: await readKeyFile(resolve(io.cwd, flag)), source: flag, created: false };
  const env = io.env.STRATA_IDENTITY_KEY;
  if (env) return { key: await parsePrivateKey(env, 'STRATA_IDENTITY_KEY'), source: 'STRATA_IDENTITY_KEY', created: false };
  const file = join(d.home, 'identity.key');
  if (!d.local) {
    throw new CliError('no identity key: give --key-file or set STRATA_IDENTITY_KEY', {
      exitCode: EXIT.usage,
      error: 'missing-key',
      hint: 'a key is made automatically only for a server on this machine',
    });
  }
  try {
    return { key: await readKeyFile(file), source: file, created: false };
  } catch (e) {
    if (!(e instanceof CliError) || !/ENOENT/.test(e.message)) throw e;
  }
  const { PrivateKey } = await import('@bsv/sdk');
  const key = PrivateKey.fromRandom();
  await mkdir(dirname(file), { recursive: true });
  // wx: never overwrite a key another process made a moment ago
  try {
    await writeFile(file, `${key.toHex()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { key: await readKeyFile(file), source: file, created: false };
    throw e;
  }
  await chmod(file, 0o600);
  return { key, source: file, created: true };
}

/** The funding key (`--funding-key-file`, else STRATA_FUNDING_KEY), or undefined. */
export async function findFundingKey(options: OptionValues, io: Io): Promise<PrivateKey | undefined> {
  const flag = options['funding-key-file'];
  if (typeof flag === 'string' && flag) return readKeyFile(resolve(io.cwd, flag));
  const env = io.env.STRATA_FUNDING_KEY;
  if (env) return await parsePrivateKey(env, 'STRATA_FUNDING_KEY');
  return undefined;
}
