/**
 * `strata publish <file> --name …`: hash the file, build its DLM1 manifest (signed by the
 * identity key, which becomes the version's producer) and the declaring transaction, submit
 * both, upload the content through /v1/uploads and print the versionId.
 *
 * Rerunnable: the manifest (with its createdAt) and what is done are kept in
 * `<home>/publish/<key>.json`, keyed by the file (path, size, mtime) and the options that shape
 * the manifest, so running the same command again resumes — the same versionId, the submit
 * answered `existing`, the upload handed back with only its missing parts sent.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CliError, defineCommand, EXIT, usageError, type CommandContext } from '../framework';
import { fileSource, mimeTypeOf, readState, sha256File, writeState } from '../files';
import { formatBytes } from '../progress';
import type { BuiltTx } from '../tx';
import { hex64 } from './args';

interface PublishState {
  readonly file: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly contentHash: string;
  readonly mimeType: string;
  readonly manifest: Record<string, unknown>;
  readonly versionId: string;
  txid?: string;
  rawTx?: string;
  funding?: string;
  submitted?: 'created' | 'existing';
  uploadId?: string;
  uploadStatus?: string;
  priceSat?: number;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9._/-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 200);

/** Funding options shared with `buy`. */
export const FUNDING_OPTIONS = {
  'funding-key-file': { type: 'string', value: '<file>', description: 'key that pays for the transaction (hex or WIF; default $STRATA_FUNDING_KEY)' },
  utxo: { type: 'string', value: '<txid:vout:sats>', description: 'the P2PKH coin of the funding key to spend' },
  'utxo-tx': { type: 'string', value: '<file>', description: 'the coin’s whole transaction in hex (instead of its satoshis; lets the payment go out as EF)' },
  'fee-rate': { type: 'string', value: '<sat/kB>', description: 'fee rate for a funded transaction (default 100)' },
  unsigned: { type: 'boolean', description: 'build nothing signed: print the outputs and an unsigned template for an external wallet' },
} as const;

/** How the transaction is paid for: a funding key, dev funding (local server), or an error saying what to give. */
export async function fund(ctx: CommandContext, outputs: ReadonlyArray<{ scriptHex: string; satoshis: number }>): Promise<BuiltTx> {
  const { fundForDev, fundWithKey, parseCoin } = await import('../tx');
  const key = await ctx.services.fundingKey();
  if (key) {
    const utxoTx = ctx.str('utxo-tx');
    let sourceHex: string | undefined;
    if (utxoTx) {
      try {
        sourceHex = await readFile(resolve(ctx.io.cwd, utxoTx), 'utf8');
      } catch (e) {
        throw usageError(`cannot read ${utxoTx}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    const coin = parseCoin(ctx.str('utxo'), sourceHex);
    return fundWithKey(outputs, key, coin, ctx.int('fee-rate', { min: 1, max: 1_000_000 }) ?? 100);
  }
  if (!ctx.services.discovery.local) {
    throw new CliError('this transaction needs funding: set STRATA_FUNDING_KEY (or --funding-key-file) with --utxo, or use --unsigned for an external wallet', {
      exitCode: EXIT.usage,
      error: 'funding-required',
      hint: 'dev funding is only used against a server on this machine',
    });
  }
  return fundForDev(outputs);
}

/** `--raw-tx` value: hex, or @file holding hex. */
async function rawTxArg(ctx: CommandContext, value: string): Promise<string> {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = await readFile(resolve(ctx.io.cwd, value.slice(1)), 'utf8');
    } catch (e) {
      throw usageError(`cannot read ${value.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  text = text.trim();
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) throw usageError('--raw-tx must be a transaction in hex (or @file)');
  return text.toLowerCase();
}

export const publish = defineCommand({
  name: 'publish',
  summary: 'publish a file as a new version: hash, manifest, declaration, upload; prints the versionId',
  description:
    'Hashes the file (SHA-256), builds its DLM1 manifest signed by your identity key (you become its producer), builds the transaction whose DLM1 output commits to the manifest and its parents, submits both (POST /submit), uploads the content through /v1/uploads (one PUT, or parts above the server’s multipart threshold) and optionally sets its price. Prints the versionId on stdout. Rerunning the same command resumes: the manifest is kept in <home>/publish, the upload sends only what the store lacks. Funding: against a server on this machine the declaration is dev-funded (the dev chain mines it); elsewhere give a funding key and a coin, or --unsigned to print the transaction for an external wallet and later --raw-tx with what it signed.',
  args: [{ name: 'file', description: 'the content to publish', required: true }],
  options: {
    name: { type: 'string', value: '<name>', description: 'display name of the version (required)' },
    dataset: { type: 'string', value: '<datasetId>', description: 'the dataset it is a version of (default: the name, slugged)' },
    parent: { type: 'string', multiple: true, value: '<versionId>', description: 'a version this one was derived from (repeat for several)' },
    description: { type: 'string', value: '<text>', description: 'free text (searched by listings)' },
    tag: { type: 'string', multiple: true, value: '<tag>', description: 'a label (repeat for several)' },
    license: { type: 'string', value: '<spdx>', description: 'licence identifier (default CC-BY-4.0)' },
    classification: { type: 'string', value: '<class>', description: 'public, internal, restricted or clinical-research (default public)' },
    mime: { type: 'string', value: '<type>', description: 'media type (default from the file extension)' },
    transform: { type: 'string', multiple: true, value: '<name>', description: 'a step that made it from its parents (repeat)' },
    price: { type: 'string', value: '<sats>', description: 'set the unit price in satoshis after publishing' },
    'no-upload': { type: 'boolean', description: 'declare only; upload later by running the command again' },
    'raw-tx': { type: 'string', value: '<hex|@file>', description: 'submit this wallet-signed declaration (after --unsigned) instead of building one' },
    ...FUNDING_OPTIONS,
  },
  examples: [
    'strata publish weather.csv --name "Hourly weather" --price 2000',
    'strata publish cleaned.csv --name "Weather, cleaned" --dataset weather-clean --parent 9f86d0…',
    'strata publish big.parquet --name Big --unsigned --json > unsigned.json   # then sign the template in a wallet',
    'strata publish big.parquet --name Big --raw-tx @signed.hex',
  ],
  async run(ctx) {
    // loaded here, not at start: `strata --help` stays light
    const [{ StrataError }, { parseManifest, versionIdOf }, { dlm1ScriptHex, unsignedTemplate }] = await Promise.all([
      import('@strata/core/errors'),
      import('@strata/core/catalog/manifest'),
      import('../tx'),
    ]);
    const file = resolve(ctx.io.cwd, ctx.args.file as string);
    const name = ctx.str('name');
    if (!name) throw usageError('--name is required');
    const parents = [...new Set(ctx.strs('parent').map((p) => hex64(p, '--parent')))];
    const datasetId = ctx.str('dataset') ?? slug(name);
    if (datasetId.length < 3) throw usageError('--dataset must be at least 3 characters (give --dataset when the name is short)');
    const classification = ctx.str('classification') ?? 'public';
    const price = ctx.int('price', { min: 0, max: 21e14 });
    const unsigned = ctx.bool('unsigned');
    const rawTxOpt = ctx.str('raw-tx');
    if (unsigned && rawTxOpt) throw usageError('--unsigned and --raw-tx are two halves of one publish: run them one after the other');

    let st;
    try {
      st = await stat(file);
    } catch (e) {
      throw usageError(`cannot read ${ctx.args.file as string}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!st.isFile()) throw usageError(`${ctx.args.file as string} is not a file`);

    const key = await ctx.services.identityKey();
    const identityKey = key.toPublicKey().toString();
    const shape = {
      file,
      size: st.size,
      mtimeMs: st.mtimeMs,
      name,
      datasetId,
      parents: [...parents].sort(),
      description: ctx.str('description') ?? null,
      tags: ctx.strs('tag'),
      license: ctx.str('license') ?? 'CC-BY-4.0',
      classification,
      mime: ctx.str('mime') ?? null,
      transforms: ctx.strs('transform'),
      identityKey,
    };
    const stateKey = createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 32);
    const statePath = join(ctx.services.discovery.home, 'publish', `${stateKey}.json`);
    let state = await readState<PublishState>(statePath);

    if (!state) {
      if (rawTxOpt) throw usageError('no unsigned publish of this file with these options to finish: run it with --unsigned first (same file, same options)');
      const bar = ctx.services.progress(`hashing ${basename(file)}`, st.size);
      const contentHash = await sha256File(file, (n) => bar.tick(n), ctx.io.signal);
      bar.done();
      ctx.note(`hashed ${basename(file)}: ${formatBytes(st.size)}, sha256 ${contentHash}`);
      const mimeType = shape.mime ?? mimeTypeOf(file);
      const manifest: Record<string, unknown> = {
        type: 'datasetVersionManifest',
        datasetId,
        name,
        ...(shape.description ? { description: shape.description } : {}),
        ...(shape.tags.length ? { tags: shape.tags } : {}),
        content: { contentHash, sizeBytes: st.size, mimeType },
        ...(parents.length || shape.transforms.length
          ? { lineage: { ...(parents.length ? { parents } : {}), ...(shape.transforms.length ? { transforms: shape.transforms.map((t) => ({ name: t })) } : {}) } }
          : {}),
        provenance: { producer: { identityKey }, createdAt: new Date().toISOString() },
        policy: { license: shape.license, classification },
      };
      let versionId: string;
      try {
        versionId = versionIdOf(parseManifest(manifest));
      } catch (e) {
        if (e instanceof StrataError) {
          throw new CliError(`the manifest would be refused: ${e.message}`, { exitCode: EXIT.usage, error: 'invalid-manifest', problem: { issues: e.extra.issues ?? [] } });
        }
        throw e;
      }
      const signature = key.sign(versionId, 'utf8').toDER('hex') as string;
      manifest.signatures = { producer: { publicKey: identityKey, signature } };
      state = { file, sizeBytes: st.size, mtimeMs: st.mtimeMs, contentHash, mimeType, manifest, versionId };
      await writeState(statePath, state);
    } else ctx.note(`resuming the publish of ${basename(file)} as ${state.versionId} (${statePath})`);

    const { versionId, contentHash, mimeType, manifest } = state;
    const dlm1 = { scriptHex: dlm1ScriptHex(versionId, parents), satoshis: 0 };

    if (unsigned && !state.submitted) {
      return {
        json: { versionId, contentHash, sizeBytes: state.sizeBytes, mimeType, datasetId, manifest, outputs: [dlm1], unsignedTx: unsignedTemplate([dlm1]), state: statePath },
        human: [
          `versionId  ${versionId}`,
          `output     0 satoshis, script ${dlm1.scriptHex}`,
          `template   ${unsignedTemplate([dlm1])}`,
          '',
          'Add inputs and change in your wallet, sign, then run the same command with --raw-tx <hex|@file> instead of --unsigned.',
        ].join('\n'),
      };
    }

    const client = await ctx.services.client({ identity: true });
    if (!state.submitted) {
      let tx: { txid?: string; rawTx: string; funding: string };
      if (rawTxOpt) tx = { rawTx: await rawTxArg(ctx, rawTxOpt), funding: 'wallet' };
      else if (state.rawTx) tx = { rawTx: state.rawTx, funding: state.funding ?? 'dev' };
      else {
        const built = await fund(ctx, [dlm1]);
        tx = { txid: built.txid, rawTx: built.rawTx, funding: built.funding };
        // kept before submitting: a rerun after a lost answer sends the same transaction
        state.rawTx = built.rawTx;
        state.funding = built.funding;
        await writeState(statePath, state);
      }
      const r = await client.submit({ rawTx: tx.rawTx, manifest: manifest as never });
      state.txid = r.txid;
      state.funding = tx.funding;
      state.submitted = r.status;
      await writeState(statePath, state);
      ctx.note(`${r.status === 'created' ? 'declared' : 'already declared'} ${versionId} in transaction ${r.txid}${tx.funding === 'dev' ? ' (dev-funded: the local dev chain mines it)' : ''}`);
    }

    if (!ctx.bool('no-upload') && state.uploadStatus !== 'verified') {
      const bar = ctx.services.progress(`uploading ${basename(file)}`, state.sizeBytes);
      const src = await fileSource(file, state.sizeBytes);
      try {
        const u = await client.uploadContent({
          versionId,
          contentHash,
          sizeBytes: state.sizeBytes,
          mimeType,
          source: src,
          onProgress: (p) => bar.set(p.uploadedBytes),
          ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
        });
        state.uploadId = u.uploadId;
        state.uploadStatus = u.status;
      } finally {
        bar.done();
        await src.close();
        await writeState(statePath, state);
      }
      ctx.note(`uploaded ${formatBytes(state.sizeBytes)}: ${state.uploadStatus} (${state.uploadId})`);
    }

    if (price !== undefined && state.priceSat !== price) {
      await client.setPrice({ versionId, satoshis: price });
      state.priceSat = price;
      await writeState(statePath, state);
      ctx.note(`price set: ${price} satoshis per unit`);
    }

    return {
      json: {
        versionId,
        txid: state.txid ?? null,
        status: state.submitted ?? null,
        funding: state.funding ?? null,
        contentHash,
        sizeBytes: state.sizeBytes,
        mimeType,
        datasetId: manifest.datasetId,
        producerKey: identityKey,
        upload: state.uploadId ? { uploadId: state.uploadId, status: state.uploadStatus } : null,
        priceSat: state.priceSat ?? null,
        state: statePath,
      },
      human: versionId,
    };
  },
});
