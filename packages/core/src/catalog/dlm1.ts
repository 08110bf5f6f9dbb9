/**
 * The on-chain half of a version: a transaction output `OP_FALSE OP_RETURN "DLM1" <CBOR>` (or
 * "DLM1"‖CBOR in one push, as the seed also accepts) whose CBOR map is
 * `{mh: bytes(32) = versionId, p?: [bytes(32) parent…]}`.
 */
import { LockingScript, Script, Transaction, UnlockingScript } from '@bsv/sdk';
import { decode, encode } from 'cborg';
import { StrataError } from '../errors';
import { bytesToHex, hexToBytes } from '../util/hex';
import { isHex64 } from './hex';
import { parseRawTx } from './raw-tx';

export { parseRawTx, RAW_TX_MAX_HEX } from './raw-tx';

const TAG = [0x44, 0x4c, 0x4d, 0x31]; // "DLM1"
const OP_FALSE = 0x00;
const OP_RETURN = 0x6a;

export interface Dlm1Declaration {
  readonly txid: string;
  readonly vout: number;
  readonly versionId: string;
  readonly parents: string[];
}

// the DLM1 transaction is /submit's `body.rawTx`
const bad = (message: string, hint: string) => new StrataError('bad-request', message, { hint, issues: [{ path: 'body.rawTx', message }] });

/** Data pushes of an OP_RETURN script body, or null when a push is malformed or an opcode is not a push. */
function pushes(script: Uint8Array, start: number): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let i = start;
  while (i < script.length) {
    const op = script[i++]!;
    let len: number;
    if (op >= 0x01 && op <= 0x4b) len = op;
    else if (op === 0x4c) len = script[i++] ?? -1;
    else if (op === 0x4d) {
      len = (script[i] ?? -1) | ((script[i + 1] ?? 0) << 8);
      i += 2;
    } else if (op === 0x4e) {
      len = ((script[i] ?? -1) | ((script[i + 1] ?? 0) << 8) | ((script[i + 2] ?? 0) << 16) | ((script[i + 3] ?? 0) << 24)) >>> 0;
      i += 4;
    } else if (op === OP_FALSE) len = 0;
    else return null;
    if (len < 0 || i + len > script.length) return null;
    out.push(script.slice(i, i + len));
    i += len;
  }
  return out;
}

const startsWithTag = (b: Uint8Array) => TAG.every((t, k) => b[k] === t);

/** The CBOR payload of a DLM1 script, or null when the script is not a DLM1 declaration. */
export function dlm1Payload(script: Uint8Array): Uint8Array | null {
  let start: number;
  if (script[0] === OP_FALSE && script[1] === OP_RETURN) start = 2;
  else if (script[0] === OP_RETURN) start = 1;
  else return null;
  const ps = pushes(script, start);
  if (!ps || ps.length === 0) return null;
  const first = ps[0]!;
  if (first.length === 4 && startsWithTag(first)) return ps[1] ?? new Uint8Array(0);
  if (first.length > 4 && startsWithTag(first)) return first.slice(4);
  return null;
}

function bytes32(v: unknown, field: string): string {
  if (!(v instanceof Uint8Array) || v.length !== 32) {
    throw bad(`DLM1 ${field} must be a 32-byte string.`, `dlm1-${field}`);
  }
  return bytesToHex(v);
}

/** Decodes the DLM1 CBOR map into a versionId and parents (lower-case hex). */
export function decodeDlm1(payload: Uint8Array): { versionId: string; parents: string[] } {
  let value: unknown;
  try {
    value = decode(payload, { rejectDuplicateMapKeys: true, allowUndefined: false, allowIndefinite: false });
  } catch {
    throw bad('The DLM1 payload is not valid CBOR.', 'dlm1-cbor');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw bad('The DLM1 payload must be a CBOR map.', 'dlm1-cbor');
  }
  const map = value as Record<string, unknown>;
  const versionId = bytes32(map.mh, 'mh');
  const p = map.p ?? [];
  if (!Array.isArray(p)) throw bad('DLM1 p must be an array.', 'dlm1-p');
  return { versionId, parents: p.map((x) => bytes32(x, 'p')) };
}

/** Finds the first DLM1 output of a raw tx and decodes it. `bad-request` when absent or malformed. */
export function parseDlm1Tx(rawTx: unknown): Dlm1Declaration {
  const tx = parseRawTx(rawTx);
  for (let vout = 0; vout < tx.outputScripts.length; vout++) {
    const payload = dlm1Payload(tx.outputScripts[vout]!);
    if (payload === null) continue;
    const { versionId, parents } = decodeDlm1(payload);
    return { txid: tx.txid, vout, versionId, parents };
  }
  throw bad('The transaction has no DLM1 output (OP_FALSE OP_RETURN "DLM1" <CBOR>).', 'no-dlm1-output');
}

/** CBOR bytes of a DLM1 map; `p` is left out when there are no parents, as the seed does. */
export function encodeDlm1(versionId: string, parents: readonly string[] = []): Uint8Array {
  for (const h of [versionId, ...parents]) if (!isHex64(h)) throw bad('DLM1 hashes must be 64 hex.', 'dlm1');
  const map: Record<string, unknown> = { mh: hexToBytes(versionId) };
  if (parents.length > 0) map.p = parents.map(hexToBytes);
  return encode(map);
}

/** Locking script `OP_FALSE OP_RETURN <"DLM1"> <payload>`, built from raw pushes. */
export function dlm1LockingScript(payload: Uint8Array, layout: 'two-push' | 'one-push' = 'two-push'): LockingScript {
  const push = (b: readonly number[]) => {
    const n = b.length;
    if (n <= 0x4b) return [n, ...b];
    if (n <= 0xff) return [0x4c, n, ...b];
    return [0x4d, n & 0xff, n >> 8, ...b];
  };
  const body = layout === 'two-push' ? [...push(TAG), ...push([...payload])] : push([...TAG, ...payload]);
  return new LockingScript(Script.fromBinary([OP_FALSE, OP_RETURN, ...body]).chunks);
}

/** A real transaction (dummy input, zero-value DLM1 output) declaring a version; for tests and tools. */
export function buildDlm1Tx(input: {
  versionId: string;
  parents?: readonly string[];
  layout?: 'two-push' | 'one-push';
  payload?: Uint8Array;
  extraOutputsBefore?: number;
}): { rawTx: string; txid: string; vout: number } {
  const tx = new Transaction();
  tx.addInput({ sourceTXID: '00'.repeat(32), sourceOutputIndex: 0, unlockingScript: new UnlockingScript(), sequence: 0xffffffff });
  const before = input.extraOutputsBefore ?? 0;
  for (let k = 0; k < before; k++) {
    tx.addOutput({ lockingScript: new LockingScript(Script.fromBinary([0x51]).chunks), satoshis: 1 });
  }
  const payload = input.payload ?? encodeDlm1(input.versionId, input.parents ?? []);
  tx.addOutput({ lockingScript: dlm1LockingScript(payload, input.layout), satoshis: 0 });
  return { rawTx: tx.toHex(), txid: tx.id('hex'), vout: before };
}
