/**
 * A strict, bounds-checked walk over a serialised transaction, run BEFORE @bsv/sdk sees the
 * bytes: its parser reads past the end as zeros and trusts declared counts, so a few hostile
 * bytes (a varint input count of 2^32) would make it allocate until the isolate dies.
 */
import { Transaction } from '@bsv/sdk';
import { StrataError, type InputAt } from '../errors';
import { hexToBytes, isHex } from '../util/hex';

/** Raw transactions above this many hex characters (1 MiB of bytes) are refused before parsing. */
export const RAW_TX_MAX_HEX = 2 * 1024 * 1024;

/** `bad-request` naming the field where the transaction sits in the request (`at`). */
const bad = (message: string, at: InputAt) => new StrataError('bad-request', message, { hint: 'rawTx', issues: [{ path: at.join('.'), message }] });

export interface RawTx {
  readonly txid: string;
  /** Each output's locking script bytes, by vout. */
  readonly outputScripts: Uint8Array[];
  readonly tx: Transaction;
}

class Reader {
  private i = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly at: InputAt,
  ) {}
  get left(): number {
    return this.b.length - this.i;
  }
  take(n: number): Uint8Array {
    if (n < 0 || n > this.left) throw bad('rawTx is truncated.', this.at);
    const out = this.b.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }
  varint(): number {
    const first = this.take(1)[0]!;
    if (first < 0xfd) return first;
    const width = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
    const bytes = this.take(width);
    let n = 0;
    for (let k = width - 1; k >= 0; k--) n = n * 256 + bytes[k]!;
    return n;
  }
  /** A count of items each at least `minSize` bytes long, checked against what is left. */
  count(minSize: number): number {
    const n = this.varint();
    if (n * minSize > this.left) throw bad('rawTx declares more items than it contains.', this.at);
    return n;
  }
}

/**
 * Parses and checks a raw tx hex: exact layout, ≥1 input and output, no trailing bytes. A
 * refusal names `at`, where the hex sits in the request (/submit's `body.rawTx` by default).
 */
export function parseRawTx(rawTx: unknown, at: InputAt = ['body', 'rawTx']): RawTx {
  if (typeof rawTx !== 'string' || rawTx.length === 0) throw bad('rawTx must be a hex string.', at);
  if (rawTx.length > RAW_TX_MAX_HEX) {
    throw new StrataError('payload-too-large', `rawTx exceeds ${RAW_TX_MAX_HEX} hex characters.`, { hint: 'rawTx' });
  }
  if (!isHex(rawTx)) throw bad('rawTx must be an even-length hex string.', at);
  const bytes = hexToBytes(rawTx);
  const r = new Reader(bytes, at);
  r.take(4); // version
  const nIn = r.count(41);
  if (nIn === 0) throw bad('rawTx has no inputs.', at);
  for (let k = 0; k < nIn; k++) {
    r.take(36); // outpoint
    r.take(r.varint()); // unlocking script
    r.take(4); // sequence
  }
  const nOut = r.count(9);
  if (nOut === 0) throw bad('rawTx has no outputs.', at);
  const outputScripts: Uint8Array[] = [];
  for (let k = 0; k < nOut; k++) {
    r.take(8); // satoshis
    outputScripts.push(r.take(r.varint()));
  }
  r.take(4); // lock time
  if (r.left !== 0) throw bad('rawTx has trailing bytes.', at);
  let tx: Transaction;
  try {
    tx = Transaction.fromBinary(Array.from(bytes));
  } catch {
    throw bad('rawTx is not a transaction.', at);
  }
  return { txid: tx.id('hex'), outputScripts, tx };
}
