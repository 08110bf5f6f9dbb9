/**
 * What every command can ask for, resolved lazily (a command that needs no token never looks for
 * one): the server and local state directory, the tokens and keys by the discovery order
 * (discovery.ts), progress bars that respect the output contract, and the typed client.
 */
import type { PrivateKey } from '@bsv/sdk';
import type { StrataClient } from '../client';
import { discover, findFundingKey, findIdentityKey, findToken, type Discovery } from './discovery';
import type { Io, OptionValues } from './framework';
import { NO_PROGRESS, progressBar, type Progress } from './progress';

export interface Services {
  readonly discovery: Discovery;
  /** The admin token (flag, env, or the local tokens file); usage error when none. */
  adminToken(): Promise<string>;
  /** The ingest token, same order. */
  ingestToken(): Promise<string>;
  /** The identity key (flag, env, or `<home>/identity.key`, made on first use locally). */
  identityKey(): Promise<PrivateKey>;
  /** The funding key, when one is configured. */
  fundingKey(): Promise<PrivateKey | undefined>;
  /** A progress bar on stderr, or a no-op off a terminal, in --json or --quiet. */
  progress(label: string, total?: number): Progress;
  /** A status line on stderr (not in --json or --quiet). */
  note(line: string): void;
  /**
   * The typed client for the server, with the credentials asked for (each found by the
   * discovery order; a missing one is a usage error before anything is sent).
   */
  client(need?: { admin?: boolean; ingest?: boolean; identity?: boolean }): Promise<StrataClient>;
}

export function makeServices(options: OptionValues, io: Io, mode: { json: boolean; quiet: boolean }): Services {
  const discovery = discover(options, io);
  const memo = <T>(f: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= f());
  };
  const quiet = mode.json || mode.quiet;
  const note = (line: string) => {
    if (!quiet) io.stderr.write(`${line}\n`);
  };
  const adminToken = memo(async () => (await findToken('admin', options, io, discovery)).token);
  const ingestToken = memo(async () => (await findToken('ingest', options, io, discovery)).token);
  const identityKey = memo(async () => {
    const found = await findIdentityKey(options, io, discovery);
    if (found.created) note(`made a new identity key in ${found.source} (mode 0600); its public key is ${found.key.toPublicKey().toString()}`);
    return found.key;
  });
  return {
    discovery,
    adminToken,
    ingestToken,
    identityKey,
    fundingKey: memo(() => findFundingKey(options, io)),
    note,
    async client(need = {}) {
      const [admin, ingest, key] = await Promise.all([
        need.admin ? adminToken() : undefined,
        need.ingest ? ingestToken() : undefined,
        need.identity ? identityKey() : undefined,
      ]);
      // loaded on first use: `--help` and local commands never load the client
      const { StrataClient } = await import('../client');
      return new StrataClient({
        baseUrl: discovery.url.origin + discovery.url.pathname.replace(/\/+$/, ''),
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...(admin ? { adminToken: admin } : {}),
        ...(ingest ? { ingestToken: ingest } : {}),
        ...(key ? { identityKey: key } : {}),
      });
    },
    progress: (label, total) => (quiet || !io.stderr.isTTY ? NO_PROGRESS : progressBar(io.stderr, label, total)),
  };
}
