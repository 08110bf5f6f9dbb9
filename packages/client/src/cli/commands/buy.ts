/**
 * `strata buy <versionId> --out <file>`: the purchase loop — price, a receipt (POST /pay), its
 * payment template (quote), a payment transaction paying it, submit, then the download through
 * GET /v1/data with a progress bar, its SHA-256 checked against the version's contentHash before
 * the file takes its name.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, defineCommand, EXIT, usageError } from '../framework';
import { formatBytes } from '../progress';
import { hex64 } from './args';
import { FUNDING_OPTIONS, fund } from './publish';

export const buy = defineCommand({
  name: 'buy',
  summary: 'buy a version and download it: price, pay, quote, payment, submit, download, verify SHA-256',
  description:
    'Asks the price, opens a receipt for --quantity units (POST /pay), gets its payment template (POST /payments/quote), builds a transaction paying exactly those outputs, submits it (POST /payments/submit), then downloads the content (GET /v1/data) with a progress bar into <file>.part, checks its SHA-256 against the version’s contentHash and only then renames it to <file>. Exit 4 when the bytes do not match (nothing is left at <file>). Funding as for publish: a funding key and coin, dev funding against a server on this machine, or --unsigned to print the outputs for an external wallet and finish with --receipt <id> --raw-tx <hex|@file>.',
  args: [{ name: 'versionId', description: 'the version to buy (64 hex)', required: true }],
  options: {
    out: { type: 'string', value: '<file>', description: 'where to write the content (required)' },
    quantity: { type: 'string', value: '<n>', description: 'units to buy (default 1; each unit is one download of the content)' },
    receipt: { type: 'string', value: '<receiptId>', description: 'continue with this receipt instead of opening a new one' },
    'raw-tx': { type: 'string', value: '<hex|@file>', description: 'submit this wallet-signed payment (after --unsigned)' },
    'max-price': { type: 'string', value: '<sats>', description: 'refuse to pay more than this in total' },
    ...FUNDING_OPTIONS,
  },
  examples: ['strata buy 9f86d0… --out weather.csv', 'strata buy 9f86d0… --out w.csv --max-price 5000 --json'],
  async run(ctx) {
    const versionId = hex64(ctx.args.versionId, 'versionId');
    const outArg = ctx.str('out');
    if (!outArg && !ctx.bool('unsigned')) throw usageError('--out <file> is required');
    const quantity = ctx.int('quantity', { min: 1, max: 1_000_000 }) ?? 1;
    const maxPrice = ctx.int('max-price', { min: 0 });
    const client = await ctx.services.client();

    const price = await client.price(versionId);
    let receiptId = ctx.str('receipt');
    let amountSat: number;
    let contentHash: string;
    if (receiptId) {
      if (!/^rcpt_[0-9a-f]{32}$/.test(receiptId)) throw usageError('--receipt must be rcpt_<32 hex>');
      const r = await client.receipt(receiptId);
      if (r.versionId !== versionId) throw usageError(`receipt ${receiptId} is for version ${r.versionId}`);
      amountSat = r.amountSat;
      contentHash = r.contentHash;
    } else {
      if (maxPrice !== undefined && price.satoshis * quantity > maxPrice) {
        throw new CliError(`the price is ${price.satoshis * quantity} satoshis, above --max-price ${maxPrice}`, { exitCode: EXIT.negative, error: 'too-expensive' });
      }
      const r = await client.pay({ versionId, quantity });
      receiptId = r.receiptId;
      amountSat = r.amountSat;
      contentHash = r.contentHash;
      ctx.note(`receipt ${receiptId}: ${quantity} unit${quantity === 1 ? '' : 's'} at ${price.satoshis} satoshis = ${amountSat} satoshis`);
    }
    if (maxPrice !== undefined && amountSat > maxPrice) {
      throw new CliError(`receipt ${receiptId} costs ${amountSat} satoshis, above --max-price ${maxPrice}`, { exitCode: EXIT.negative, error: 'too-expensive' });
    }

    const status = (await client.receipt(receiptId)).status;
    let payment: { txid: string; funding: string; broadcast?: unknown } | undefined;
    if (status === 'pending') {
      const quote = await client.quote(receiptId);
      if (ctx.bool('unsigned')) {
        const { unsignedTemplate } = await import('../tx');
        return {
          json: { versionId, receiptId, amountSat, contentHash, outputs: quote.outputs, templateHash: quote.templateHash, expiresAt: quote.expiresAt, unsignedTx: unsignedTemplate(quote.outputs) },
          human: [
            `receipt   ${receiptId} (${amountSat} satoshis; the quote expires at ${new Date(quote.expiresAt * 1000).toISOString()})`,
            ...quote.outputs.map((o) => `output    ${o.satoshis} satoshis to ${o.scriptHex}`),
            `template  ${unsignedTemplate(quote.outputs)}`,
            '',
            `Pay exactly these outputs from your wallet, then: strata buy ${versionId} --receipt ${receiptId} --raw-tx <hex|@file> --out <file>`,
          ].join('\n'),
        };
      }
      const rawTxOpt = ctx.str('raw-tx');
      let txHex: string;
      let funding: string;
      if (rawTxOpt) {
        const { readFile } = await import('node:fs/promises');
        const text = (rawTxOpt.startsWith('@') ? await readFile(resolve(ctx.io.cwd, rawTxOpt.slice(1)), 'utf8') : rawTxOpt).trim();
        if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) throw usageError('--raw-tx must be a transaction in hex (or @file)');
        txHex = text;
        funding = 'wallet';
      } else {
        const built = await fund(ctx, quote.outputs);
        txHex = built.ef ?? built.rawTx;
        funding = built.funding;
      }
      const sub = await client.submitPayment({ receiptId, rawTxHex: txHex });
      payment = { txid: sub.txid, funding, broadcast: sub.broadcast };
      ctx.note(`paid ${amountSat} satoshis in ${sub.txid} (${sub.broadcast.mode}${sub.broadcast.txStatus ? `, ${sub.broadcast.txStatus}` : ''}${funding === 'dev' ? ', dev-funded' : ''}): receipt ${sub.receiptStatus}`);
    } else ctx.note(`receipt ${receiptId} is already ${status}`);

    const out = resolve(ctx.io.cwd, outArg!);
    const part = `${out}.part`;
    const d = await client.download(receiptId, contentHash, {
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
    const bar = ctx.services.progress('downloading', d.sizeBytes);
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        Readable.fromWeb(d.body as import('node:stream/web').ReadableStream<Uint8Array>),
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            bytes += chunk.byteLength;
            bar.tick(chunk.byteLength);
            cb(null, chunk);
          },
        }),
        createWriteStream(part, { mode: 0o644 }),
      );
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    } finally {
      bar.done();
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== contentHash) {
      await rm(part, { force: true });
      throw new CliError(`the downloaded bytes hash to ${sha256}, not the version's contentHash ${contentHash}; nothing was written`, {
        exitCode: EXIT.integrity,
        error: 'sha256-mismatch',
        problem: { versionId, receiptId, expected: contentHash, actual: sha256, bytes },
      });
    }
    await rename(part, out);
    return {
      json: { versionId, receiptId, amountSat, payment: payment ?? null, contentHash, sha256, verified: true, bytes, out },
      human: `verified: ${formatBytes(bytes)} written to ${outArg}, SHA-256 ${sha256} matches the version's contentHash`,
    };
  },
});
