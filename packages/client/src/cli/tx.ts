/**
 * Transactions the command builds: a version's DLM1 declaration and a payment for a quote.
 *
 * Three ways to fund one (docs/adr/0060-strata-command.md):
 * - a funding key and a coin it can spend (`--utxo txid:vout:satoshis`, or the coin's whole
 *   transaction with `--utxo-tx`), change back to the key's address, fee at `--fee-rate`;
 * - `--unsigned`: nothing is signed; the command prints the outputs for an external wallet;
 * - dev funding, only against a server on this machine: an input from a made-up coin (in a
 *   made-up, "mined" transaction, so EF/BEEF are complete). Nothing on a real network accepts
 *   it; the local dev chain and the dryrun/local ARC broadcasters do.
 */
import { randomBytes } from 'node:crypto';
import { LockingScript, MerklePath, P2PKH, Transaction, UnlockingScript, type PrivateKey } from '@bsv/sdk';
import { dlm1LockingScript, encodeDlm1 } from '@strata/core/catalog/dlm1';
import { usageError } from './framework';

export interface Output {
  readonly scriptHex: string;
  readonly satoshis: number;
}

export interface Coin {
  readonly txid: string;
  readonly vout: number;
  readonly satoshis: number;
  /** The whole transaction that made the coin (lets the payment go out as EF). */
  readonly sourceTx?: Transaction;
}

export interface BuiltTx {
  readonly txid: string;
  readonly rawTx: string;
  /** Extended Format (BRC-30), when every input's source is known. */
  readonly ef?: string;
  readonly funding: 'key' | 'dev';
  readonly feeSat: number;
}

/** DLM1 output script (hex) committing to `versionId` and `parents`. */
export function dlm1ScriptHex(versionId: string, parents: readonly string[]): string {
  return dlm1LockingScript(encodeDlm1(versionId, parents)).toHex();
}

/** `txid:vout:satoshis` → a coin (the source tx, when given, supplies the amount). */
export function parseCoin(spec: string | undefined, sourceTxHex: string | undefined): Coin {
  let sourceTx: Transaction | undefined;
  if (sourceTxHex !== undefined) {
    try {
      sourceTx = Transaction.fromHex(sourceTxHex.trim());
    } catch {
      throw usageError('--utxo-tx does not hold a transaction in hex');
    }
  }
  const m = spec === undefined ? null : /^([0-9a-fA-F]{64}):(\d+)(?::(\d+))?$/.exec(spec);
  if (spec !== undefined && !m) throw usageError('--utxo must be <txid>:<vout>:<satoshis>');
  if (!m && !sourceTx) throw usageError('a funding key needs a coin: --utxo <txid>:<vout>:<satoshis> or --utxo-tx <file>');
  const txid = m ? m[1]!.toLowerCase() : sourceTx!.id('hex');
  const vout = m ? Number(m[2]) : 0;
  if (sourceTx && sourceTx.id('hex') !== txid) throw usageError('--utxo names another transaction than --utxo-tx');
  const fromTx = sourceTx?.outputs[vout]?.satoshis;
  if (sourceTx && fromTx === undefined) throw usageError(`--utxo-tx has no output ${vout}`);
  const satoshis = fromTx ?? (m?.[3] !== undefined ? Number(m[3]) : NaN);
  if (!Number.isSafeInteger(satoshis) || satoshis <= 0) throw usageError('--utxo needs the coin’s satoshis (<txid>:<vout>:<satoshis>)');
  return { txid, vout, satoshis, ...(sourceTx ? { sourceTx } : {}) };
}

/** Rough size of a transaction with P2PKH inputs and the given outputs (for the fee). */
function estimateSize(inputs: number, outputs: readonly Output[], change: boolean): number {
  const outs = outputs.reduce((a, o) => a + 8 + 3 + o.scriptHex.length / 2, 0) + (change ? 34 : 0);
  return 10 + inputs * 148 + outs;
}

/** A transaction paying `outputs` from `coin` (a P2PKH coin of `key`), change back to the key. */
export async function fundWithKey(outputs: readonly Output[], key: PrivateKey, coin: Coin, feeRateSatPerKb: number): Promise<BuiltTx> {
  const lock = new P2PKH().lock(key.toAddress());
  const pay = outputs.reduce((a, o) => a + o.satoshis, 0);
  const feeWith = Math.max(1, Math.ceil((estimateSize(1, outputs, true) * feeRateSatPerKb) / 1000));
  const feeWithout = Math.max(1, Math.ceil((estimateSize(1, outputs, false) * feeRateSatPerKb) / 1000));
  const change = coin.satoshis - pay - feeWith;
  if (coin.satoshis - pay - feeWithout < 0) {
    throw usageError(`the coin holds ${coin.satoshis} satoshis; the outputs and fee need ${pay + feeWithout}`);
  }
  const tx = new Transaction();
  tx.addInput({
    ...(coin.sourceTx ? { sourceTransaction: coin.sourceTx } : { sourceTXID: coin.txid }),
    sourceOutputIndex: coin.vout,
    unlockingScriptTemplate: new P2PKH().unlock(key, 'all', false, coin.satoshis, lock),
    sequence: 0xffffffff,
  });
  for (const o of outputs) tx.addOutput({ lockingScript: LockingScript.fromHex(o.scriptHex), satoshis: o.satoshis });
  if (change >= 1) tx.addOutput({ lockingScript: lock, satoshis: change });
  await tx.sign();
  return {
    txid: tx.id('hex'),
    rawTx: tx.toHex(),
    ...(coin.sourceTx ? { ef: tx.toHexEF() } : {}),
    funding: 'key',
    feeSat: change >= 1 ? feeWith : coin.satoshis - pay,
  };
}

/**
 * Dev funding (a server on this machine only): the outputs paid from a made-up coin held by a
 * throwaway key, its "funding" transaction carrying a one-transaction merkle path so EF and BEEF
 * are complete.
 */
export async function fundForDev(outputs: readonly Output[]): Promise<BuiltTx> {
  const { PrivateKey } = await import('@bsv/sdk');
  const key = PrivateKey.fromRandom();
  const total = outputs.reduce((a, o) => a + o.satoshis, 0);
  const funding = new Transaction();
  funding.addInput({ sourceTXID: randomBytes(32).toString('hex'), sourceOutputIndex: 0, unlockingScript: new UnlockingScript(), sequence: 0xffffffff });
  funding.addOutput({ lockingScript: new P2PKH().lock(key.toAddress()), satoshis: total + 1_000 });
  // a block holding only the funding tx: its merkle root is the txid, the path a single leaf
  funding.merklePath = new MerklePath(1, [[{ offset: 0, hash: funding.id('hex'), txid: true }]]);
  const tx = new Transaction();
  tx.addInput({ sourceTransaction: funding, sourceOutputIndex: 0, unlockingScriptTemplate: new P2PKH().unlock(key), sequence: 0xffffffff });
  for (const o of outputs) tx.addOutput({ lockingScript: LockingScript.fromHex(o.scriptHex), satoshis: o.satoshis });
  tx.addOutput({ lockingScript: new P2PKH().lock(key.toAddress()), satoshis: 900 });
  await tx.sign();
  return { txid: tx.id('hex'), rawTx: tx.toHex(), ef: tx.toHexEF(), funding: 'dev', feeSat: 100 };
}

/** The outputs alone, as an unsigned transaction (no inputs) for an external wallet to fund. */
export function unsignedTemplate(outputs: readonly Output[]): string {
  const tx = new Transaction();
  for (const o of outputs) tx.addOutput({ lockingScript: LockingScript.fromHex(o.scriptHex), satoshis: o.satoshis });
  return tx.toHex();
}
