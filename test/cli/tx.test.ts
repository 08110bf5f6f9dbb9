/**
 * The transactions `strata publish` and `strata buy` build: a funded one spends the coin with a
 * signature the script interpreter accepts, pays exactly the outputs, returns the change minus a
 * fee at the given rate, and its DLM1 output decodes (with the server's own parser) to the
 * versionId and parents; a coin too small or a malformed coin is a usage error; the dev-funded
 * one carries a complete EF (each input with what it spends).
 */
import { MerklePath, P2PKH, PrivateKey, Transaction, UnlockingScript } from '@bsv/sdk';
import { describe, expect, it } from 'vitest';
import { parseDlm1Tx } from '@strata/core/catalog/dlm1';
import { CliError, EXIT } from '../../packages/client/src/cli/framework';
import { dlm1ScriptHex, fundForDev, fundWithKey, parseCoin, unsignedTemplate } from '../../packages/client/src/cli/tx';

const V = 'ab'.repeat(32);
const P = ['cd'.repeat(32), 'ef'.repeat(32)];

/** A "mined" transaction paying `sats` to `key` (what a wallet would hand over as --utxo-tx). */
function coinTx(key: PrivateKey, sats: number): Transaction {
  const t = new Transaction();
  t.addInput({ sourceTXID: '11'.repeat(32), sourceOutputIndex: 0, unlockingScript: new UnlockingScript(), sequence: 0xffffffff });
  t.addOutput({ lockingScript: new P2PKH().lock(key.toAddress()), satoshis: sats });
  t.merklePath = new MerklePath(1, [[{ offset: 0, hash: t.id('hex'), txid: true }]]);
  return t;
}

describe('funded transactions', () => {
  it('a declaration funded by a key: valid signature, DLM1 output with versionId and parents, change minus the fee', async () => {
    const key = PrivateKey.fromRandom();
    const source = coinTx(key, 10_000);
    const coin = parseCoin(undefined, source.toHex());
    expect(coin).toMatchObject({ txid: source.id('hex'), vout: 0, satoshis: 10_000 });
    const built = await fundWithKey([{ scriptHex: dlm1ScriptHex(V, P), satoshis: 0 }], key, coin, 100);
    expect(built.funding).toBe('key');
    const tx = Transaction.fromHex(built.rawTx);
    tx.inputs[0]!.sourceTransaction = source;
    expect(await tx.verify('scripts only')).toBe(true);
    expect(parseDlm1Tx(built.rawTx)).toMatchObject({ txid: built.txid, vout: 0, versionId: V, parents: P });
    const change = tx.outputs[1]!.satoshis!;
    expect(change + built.feeSat).toBe(10_000);
    // 100 sat/kB of a ~300-byte transaction
    expect(built.feeSat).toBeGreaterThan(10);
    expect(built.feeSat).toBeLessThan(100);
    expect(Transaction.fromHexEF(built.ef!).id('hex')).toBe(built.txid);
  });

  it('a payment from txid:vout:sats pays exactly the outputs; a coin too small is a usage error', async () => {
    const key = PrivateKey.fromRandom();
    const outputs = [
      { scriptHex: new P2PKH().lock(PrivateKey.fromRandom().toAddress()).toHex(), satoshis: 4_750 },
      { scriptHex: `76a914${'0d'.repeat(20)}88ac`, satoshis: 250 },
    ];
    const coin = parseCoin(`${'22'.repeat(32)}:3:6000`, undefined);
    const built = await fundWithKey(outputs, key, coin, 500);
    const tx = Transaction.fromHex(built.rawTx);
    expect(tx.inputs[0]).toMatchObject({ sourceTXID: '22'.repeat(32), sourceOutputIndex: 3 });
    expect(tx.outputs.slice(0, 2).map((o) => ({ scriptHex: o.lockingScript.toHex(), satoshis: o.satoshis }))).toEqual(outputs);
    expect(built.ef).toBeUndefined(); // no source transaction: raw only
    const small = parseCoin(`${'22'.repeat(32)}:0:5000`, undefined);
    await expect(fundWithKey(outputs, key, small, 500)).rejects.toSatisfy((e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage);
  });

  it('malformed coins are usage errors', () => {
    for (const [spec, tx] of [['nope', undefined], [`${'22'.repeat(32)}:0`, undefined], [undefined, undefined], [undefined, 'zz']] as const) {
      expect(() => parseCoin(spec, tx), String(spec)).toThrow(CliError);
    }
  });

  it('dev funding: EF complete (each input carries the amount and script it spends), outputs as asked', async () => {
    const outputs = [{ scriptHex: dlm1ScriptHex(V, []), satoshis: 0 }];
    const built = await fundForDev(outputs);
    expect(built.funding).toBe('dev');
    const tx = Transaction.fromHexEF(built.ef!);
    expect(tx.id('hex')).toBe(built.txid);
    expect(parseDlm1Tx(built.rawTx).versionId).toBe(V);
    // EF: the input carries what it spends (amount and P2PKH script), as ARC requires
    const spent = tx.inputs[0]!.sourceTransaction!.outputs[tx.inputs[0]!.sourceOutputIndex]!;
    expect(spent.satoshis).toBeGreaterThan(0);
    expect(spent.lockingScript.toHex()).toMatch(/^76a914[0-9a-f]{40}88ac$/);
  });

  it('the unsigned template holds the outputs and no input', () => {
    const t = Transaction.fromHex(unsignedTemplate([{ scriptHex: dlm1ScriptHex(V, P), satoshis: 0 }]));
    expect(t.inputs).toHaveLength(0);
    expect(t.outputs[0]!.lockingScript.toHex()).toBe(dlm1ScriptHex(V, P));
  });
});
