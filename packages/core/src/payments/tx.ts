/**
 * The payment transaction a buyer submits, in any of the three encodings ARC takes: plain raw
 * hex, Extended Format (BRC-30: each input also carries the satoshis and script it spends) or
 * BEEF (BRC-62/95: the tx with its ancestry). Every encoding is walked with bounded cursors
 * first (spv/wire.ts, spv/beef.ts, catalog/raw-tx.ts) and only then handed to @bsv/sdk; what
 * Strata checks is always the transaction it parsed itself, never outputs a client claims.
 */
import { parseRawTx, RAW_TX_MAX_HEX } from '../catalog/raw-tx';
import { StrataError } from '../errors';
import { sha256dDisplay } from '../spv/bytes';
import { bytesToHex, hexToBytes } from '../util/hex';
import { ATOMIC_BEEF, BEEF_V1, BEEF_V2, scanBeef } from '../spv/beef';
import { Cursor } from '../spv/wire';
import type { QuoteOutput } from './repo';

export type TxFormat = 'raw' | 'ef' | 'beef';

export interface PaymentTx {
  readonly format: TxFormat;
  /** The plain serialisation (what the txid is the sha256d of). */
  readonly raw: Uint8Array;
  /** sha256d(raw), byte-reversed display hex. */
  readonly txid: string;
  readonly outputs: readonly QuoteOutput[];
  /** Inputs minus outputs, known only when the encoding carries input amounts (EF). */
  readonly feeSat: number | null;
  /** The bytes as submitted, which is what a broadcaster is sent (EF and BEEF help it validate). */
  readonly submittedHex: string;
}

const bad = (message: string) => new StrataError('bad-request', message, { hint: 'rawTxHex', issues: [{ path: 'body.rawTxHex', message }] });
const EF_MARKER = '0000000000ef';

function u32le(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
}

function u64le(b: Uint8Array, at: number): number {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + (b[at + i] as number);
  return v;
}

/** Decodes and checks a submitted payment transaction; `bad-request` naming rawTxHex otherwise. */
export function decodePaymentTx(hex: string): PaymentTx {
  if (hex.length > RAW_TX_MAX_HEX * 2) {
    throw new StrataError('payload-too-large', `rawTxHex exceeds ${RAW_TX_MAX_HEX * 2} hex characters.`, { hint: 'rawTxHex' });
  }
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex) || hex.length < 20) throw bad('rawTxHex must be an even-length hex string of a transaction.');
  const lower = hex.toLowerCase();
  const bytes = hexToBytes(lower);
  const word = u32le(bytes, 0);
  if (word === BEEF_V1 || word === BEEF_V2 || word === ATOMIC_BEEF) return fromBeef(bytes, lower);
  if (lower.slice(8, 20) === EF_MARKER) return fromEf(bytes, lower);
  return fromRaw(bytes, lower, 'raw', null);
}

function fromRaw(raw: Uint8Array, submittedHex: string, format: TxFormat, inputSat: number | null): PaymentTx {
  // parseRawTx: exact layout, bounded counts, then @bsv/sdk's Transaction.fromBinary
  const parsed = parseSubmitted(raw);
  const txid = sha256dDisplay(raw);
  if (parsed.txid !== txid) throw bad('rawTxHex does not hash to its own txid.');
  const outputs = outputsOf(raw);
  const outSum = outputs.reduce((a, o) => a + o.satoshis, 0);
  const feeSat = inputSat === null ? null : inputSat - outSum;
  if (feeSat !== null && feeSat < 0) throw bad('rawTxHex spends more than its inputs hold.');
  return { format, raw, txid, outputs, feeSat, submittedHex };
}

/** parseRawTx, its refusals naming the field a payment sends (`rawTxHex`, not the catalog's `rawTx`). */
function parseSubmitted(raw: Uint8Array): ReturnType<typeof parseRawTx> {
  try {
    return parseRawTx(bytesToHex(raw), ['body', 'rawTxHex']);
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    const message = e.message.replace(/^rawTx\b/, 'rawTxHex');
    if (e.code === 'payload-too-large') throw new StrataError('payload-too-large', message, { hint: 'rawTxHex' });
    throw bad(message);
  }
}

/** Output amounts and scripts, read from the bytes (counts already bounded by parseRawTx). */
function outputsOf(raw: Uint8Array): QuoteOutput[] {
  const c = new Cursor(raw);
  c.skip(4);
  const nIn = c.varint() as number;
  for (let i = 0; i < nIn; i++) {
    c.skip(36);
    c.skip(c.varint() as number);
    c.skip(4);
  }
  const nOut = c.varint() as number;
  const out: QuoteOutput[] = [];
  for (let i = 0; i < nOut; i++) {
    const satoshis = u64le(raw, c.pos);
    if (!Number.isSafeInteger(satoshis)) throw bad(`output ${i} holds more than 2^53 satoshis.`);
    c.skip(8);
    const len = c.varint() as number;
    const at = c.pos;
    c.skip(len);
    out.push({ scriptHex: bytesToHex(raw.subarray(at, at + len)), satoshis });
  }
  return out;
}

/** Extended Format → the plain transaction: drop the marker and each input's previous output. */
function fromEf(ef: Uint8Array, hex: string): PaymentTx {
  const c = new Cursor(ef);
  const parts: Uint8Array[] = [ef.subarray(0, 4)];
  c.skip(10);
  const nInAt = c.pos;
  const nIn = c.varint();
  // an EF input is at least 50 bytes: outpoint 36 + script 1 + sequence 4 + satoshis 8 + script 1
  if (nIn === null || nIn === 0 || nIn * 50 > c.remaining) throw bad('rawTxHex (extended format) has a bad input count.');
  parts.push(ef.subarray(nInAt, c.pos));
  let inputSat = 0;
  for (let i = 0; i < nIn; i++) {
    const start = c.pos;
    if (!c.skip(36)) throw bad('rawTxHex (extended format) is truncated.');
    const len = c.varint();
    if (len === null || !c.skip(len) || !c.skip(4)) throw bad('rawTxHex (extended format) is truncated.');
    parts.push(ef.subarray(start, c.pos));
    if (c.remaining < 8) throw bad('rawTxHex (extended format) is truncated.');
    inputSat += u64le(ef, c.pos);
    c.skip(8);
    const plen = c.varint();
    if (plen === null || !c.skip(plen)) throw bad('rawTxHex (extended format) is truncated.');
  }
  if (!Number.isSafeInteger(inputSat)) throw bad('rawTxHex (extended format) inputs exceed 2^53 satoshis.');
  parts.push(ef.subarray(c.pos));
  // Not also read with @bsv/sdk's EF reader: it allocates an array of (output index + 1) entries
  // per input, so one input spending output 0x7fffffff took the process down (heap exhausted).
  // The layout is parsed exactly above; the plain transaction goes through the SDK in fromRaw.
  return fromRaw(concat(parts), hex, 'ef', inputSat);
}

/** BEEF → its subject transaction (the Atomic BEEF's subject, else the last one). */
function fromBeef(bytes: Uint8Array, hex: string): PaymentTx {
  const scanned = scanBeef(bytes as Uint8Array<ArrayBuffer>);
  if (scanned === null) throw bad('rawTxHex is not a well-formed BEEF.');
  let subject: Uint8Array | null = null;
  if (scanned.atomicTxid !== null) {
    for (const t of scanned.txs) if (t.raw && sha256dDisplay(t.raw) === scanned.atomicTxid) subject = t.raw;
  } else {
    subject = scanned.txs[scanned.txs.length - 1]?.raw ?? null;
  }
  if (subject === null) throw bad('rawTxHex (BEEF) does not contain its subject transaction.');
  return fromRaw(subject, hex, 'beef', null);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
