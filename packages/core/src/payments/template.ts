/**
 * The payment template of a receipt: who gets how much, deterministically. Each party's amount
 * is floor(amountSat × share); whatever the floors leave (and the share of any party with no
 * configured script) goes to the producer; outputs are sorted by script, then amount; the
 * templateHash is sha256 over the RFC 8785 canonical JSON of {versionId, amountSat, outputs}.
 * The same inputs always give the same template and hash, on every runtime.
 */
import canonicalize from 'canonicalize';
import { Hash, Utils } from '@bsv/sdk';
import { sha256Hex } from '../util/hash';
import { StrataError } from '../errors';
import type { PayScripts, PaySplits } from './config';
import type { QuoteOutput } from './repo';

export interface Template {
  readonly versionId: string;
  readonly amountSat: number;
  readonly outputs: readonly QuoteOutput[];
  readonly templateHash: string;
}

/** P2PKH locking script (hex) paying the HASH160 of a compressed public key. */
export function p2pkhScriptForKey(identityKeyHex: string): string {
  const h160 = Utils.toHex(Hash.hash160(Utils.toArray(identityKeyHex, 'hex')));
  return `76a914${h160}88ac`;
}

/**
 * The producer's payout script: the one registered on the producer record, else P2PKH to the
 * producer's identity key (ADR 0044). No producer → `conflict` (nobody to pay).
 */
export function producerScript(v: { payoutScriptHex: string | null; producerIdentityKey: string | null }): string {
  if (v.payoutScriptHex) return v.payoutScriptHex.toLowerCase();
  if (v.producerIdentityKey) return p2pkhScriptForKey(v.producerIdentityKey.toLowerCase());
  throw new StrataError('conflict', 'This version names no producer to pay.', { hint: 'payout-unavailable' });
}

/** sha256 of the canonical {versionId, amountSat, outputs}. */
export function templateHashOf(versionId: string, amountSat: number, outputs: readonly QuoteOutput[]): string {
  const text = canonicalize({ versionId, amountSat, outputs: outputs.map((o) => ({ scriptHex: o.scriptHex, satoshis: o.satoshis })) });
  if (text === undefined) throw new Error('canonicalize returned nothing');
  return sha256Hex(text);
}

const byScriptThenAmount = (a: QuoteOutput, b: QuoteOutput) =>
  a.scriptHex < b.scriptHex ? -1 : a.scriptHex > b.scriptHex ? 1 : a.satoshis - b.satoshis;

/** Builds the template; zero-amount outputs are left out (they pay nobody). */
export function buildTemplate(o: {
  versionId: string;
  amountSat: number;
  producerScriptHex: string;
  splits: PaySplits;
  scripts: PayScripts;
}): Template {
  const outputs: QuoteOutput[] = [];
  let assigned = 0;
  for (const party of Object.keys(o.splits).sort()) {
    if (party === 'producer') continue;
    const script = o.scripts[party];
    if (!script) continue; // an unconfigured party's share stays with the producer
    const sat = Math.floor(o.amountSat * (o.splits[party] as number));
    if (sat <= 0) continue;
    outputs.push({ scriptHex: script, satoshis: sat });
    assigned += sat;
  }
  const producerSat = o.amountSat - assigned;
  if (producerSat > 0) outputs.push({ scriptHex: o.producerScriptHex, satoshis: producerSat });
  outputs.sort(byScriptThenAmount);
  return { versionId: o.versionId, amountSat: o.amountSat, outputs, templateHash: templateHashOf(o.versionId, o.amountSat, outputs) };
}

/**
 * The first template output the transaction does not pay (same script, at least the amount, each
 * transaction output used once), or null when every one is paid. Larger requirements pick first,
 * each taking the smallest output that covers it, so a valid assignment is always found.
 */
export function unpaidOutput(required: readonly QuoteOutput[], paid: readonly QuoteOutput[]): QuoteOutput | null {
  const used = new Set<number>();
  for (const r of [...required].sort((a, b) => b.satoshis - a.satoshis)) {
    let best = -1;
    paid.forEach((p, i) => {
      if (used.has(i) || p.scriptHex !== r.scriptHex || p.satoshis < r.satoshis) return;
      if (best === -1 || p.satoshis < (paid[best] as QuoteOutput).satoshis) best = i;
    });
    if (best === -1) return r;
    used.add(best);
  }
  return null;
}
