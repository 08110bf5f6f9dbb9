/**
 * The payment parsers and the template, without a database: decodePaymentTx on real @bsv/sdk
 * transactions in all three encodings and on hostile bytes (fuzzed: it either decodes or throws
 * `bad-request`/`payload-too-large`, never anything else, and never hangs on a huge declared
 * count); buildTemplate's arithmetic as properties; unpaidOutput's matching.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { decodePaymentTx } from '@strata/core/payments/tx';
import { RAW_TX_MAX_HEX } from '@strata/core/catalog/raw-tx';
import { Beef } from '@bsv/sdk';
import { buildTemplate, p2pkhScriptForKey, producerScript, templateHashOf, unpaidOutput } from '@strata/core/payments/template';
import { buildPayment } from '../support/payments-world';

const S = (n: number) => `76a914${n.toString(16).padStart(40, '0')}88ac`;

describe('decodePaymentTx', () => {
  it('raw, EF and BEEF of one transaction decode to the same txid and outputs; EF also yields the fee', async () => {
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 950 }, { scriptHex: S(2), satoshis: 50 }]);
    const raw = decodePaymentTx(p.rawTx);
    const ef = decodePaymentTx(p.ef);
    const beef = decodePaymentTx(p.beef);
    const expected = createHash('sha256').update(createHash('sha256').update(Buffer.from(p.rawTx, 'hex')).digest()).digest().reverse().toString('hex');
    for (const d of [raw, ef, beef]) {
      expect(d.txid).toBe(expected);
      expect(Buffer.from(d.raw).toString('hex')).toBe(p.rawTx);
      expect(d.outputs.slice(0, 2)).toEqual([{ scriptHex: S(1), satoshis: 950 }, { scriptHex: S(2), satoshis: 50 }]);
    }
    expect([raw.format, ef.format, beef.format]).toEqual(['raw', 'ef', 'beef']);
    expect([raw.feeSat, ef.feeSat, beef.feeSat]).toEqual([null, 1000, null]);
    expect(ef.submittedHex).toBe(p.ef);
  });

  it('an EF input spending output index 2^31 - 1 decodes like any other (it once exhausted the heap in the SDK\'s EF reader)', async () => {
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 950 }]);
    // EF: version (4), marker (6), input count (1), then the first outpoint: txid (32), index (4, LE)
    const at = 2 * (4 + 6 + 1 + 32);
    const ef = `${p.ef.slice(0, at)}ffffff7f${p.ef.slice(at + 8)}`;
    const raw = `${p.rawTx.slice(0, 2 * (4 + 1 + 32))}ffffff7f${p.rawTx.slice(2 * (4 + 1 + 36))}`;
    const started = performance.now();
    const tx = decodePaymentTx(ef);
    expect(performance.now() - started).toBeLessThan(1_000);
    // the same transaction as its plain form with that outpoint: same txid, outputs and the fee EF carries
    expect(tx.format).toBe('ef');
    expect(tx.txid).toBe(decodePaymentTx(raw).txid);
    expect(tx.txid).not.toBe(p.txid);
    expect(tx.outputs).toEqual(decodePaymentTx(p.rawTx).outputs);
    expect(tx.feeSat).toBe(decodePaymentTx(p.ef).feeSat);
  });

  it('hostile bytes: a huge declared input count is refused at once, and fuzzed input only ever gives bad-request', async () => {
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 10 }]);
    const huge = `01000000ffffffffff${'00'.repeat(60)}`;
    expect(() => decodePaymentTx(huge)).toThrow(StrataError);
    const efHuge = `010000000000000000efffffffffff${'00'.repeat(60)}`;
    expect(() => decodePaymentTx(efHuge)).toThrow(StrataError);
    const bases = [p.rawTx, p.ef, p.beef];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (which, edits, cut) => {
        const bytes = Buffer.from(bases[which]!, 'hex');
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        const hex = bytes.subarray(0, Math.max(10, bytes.length - (cut % 40))).toString('hex');
        try {
          const d = decodePaymentTx(hex);
          expect(d.txid).toMatch(/^[0-9a-f]{64}$/);
        } catch (e) {
          expect(e).toBeInstanceOf(StrataError);
          expect(['bad-request', 'payload-too-large']).toContain((e as StrataError).code);
        }
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 300 }), (b) => {
        try {
          decodePaymentTx(Buffer.from(b).toString('hex'));
        } catch (e) {
          expect((e as StrataError).code).toBe('bad-request');
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('buildTemplate', () => {
  it('outputs add up to the amount, each party gets its floor, the producer the rest; sorted; hash stable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: 0.001, max: 0.5, noNaN: true }), (amountSat, share) => {
        const versionId = 'ab'.repeat(32);
        const t = buildTemplate({ versionId, amountSat, producerScriptHex: S(9), splits: { producer: 1 - share, overlay: share }, scripts: { overlay: S(3) } });
        expect(t.outputs.reduce((a, o) => a + o.satoshis, 0)).toBe(amountSat);
        const overlay = t.outputs.find((o) => o.scriptHex === S(3))?.satoshis ?? 0;
        expect(overlay).toBe(Math.floor(amountSat * share));
        expect([...t.outputs].sort((a, b) => (a.scriptHex < b.scriptHex ? -1 : a.scriptHex > b.scriptHex ? 1 : a.satoshis - b.satoshis))).toEqual(t.outputs);
        expect(t.templateHash).toBe(templateHashOf(versionId, amountSat, t.outputs));
      }),
      { numRuns: 300 },
    );
  });

  it('a party without a configured script leaves its share with the producer', () => {
    const t = buildTemplate({ versionId: 'cd'.repeat(32), amountSat: 1000, producerScriptHex: S(9), splits: { producer: 0.95, overlay: 0.05 }, scripts: {} });
    expect(t.outputs).toEqual([{ scriptHex: S(9), satoshis: 1000 }]);
  });

  it('P2PKH of a key is HASH160 of it', () => {
    const key = `02${randomBytes(32).toString('hex')}`;
    const h160 = createHash('ripemd160').update(createHash('sha256').update(Buffer.from(key, 'hex')).digest()).digest('hex');
    expect(p2pkhScriptForKey(key)).toBe(`76a914${h160}88ac`);
  });
});

describe('unpaidOutput', () => {
  it('each required output needs its own paying output of at least its amount', () => {
    const req = [{ scriptHex: S(1), satoshis: 10 }, { scriptHex: S(1), satoshis: 5 }];
    expect(unpaidOutput(req, [{ scriptHex: S(1), satoshis: 15 }])).toEqual({ scriptHex: S(1), satoshis: 5 });
    expect(unpaidOutput(req, [{ scriptHex: S(1), satoshis: 6 }, { scriptHex: S(1), satoshis: 11 }])).toBeNull();
    expect(unpaidOutput(req, [{ scriptHex: S(1), satoshis: 10 }, { scriptHex: S(2), satoshis: 5 }])).toEqual({ scriptHex: S(1), satoshis: 5 });
    // 10 takes the 100, 5 takes the 9: a valid assignment exists whatever order the outputs come in
    expect(unpaidOutput(req, [{ scriptHex: S(1), satoshis: 9 }, { scriptHex: S(1), satoshis: 100 }])).toBeNull();
    expect(unpaidOutput(req, [{ scriptHex: S(1), satoshis: 9 }, { scriptHex: S(1), satoshis: 4 }])).toEqual({ scriptHex: S(1), satoshis: 10 });
  });
});

describe('decodePaymentTx: what each refusal says', () => {
  const FORMAT = 'rawTxHex must be an even-length hex string of a transaction.';
  /** The StrataError decodePaymentTx throws for `hex`. */
  const refusal = (hex: string) => {
    try {
      decodePaymentTx(hex);
    } catch (e) {
      expect(e).toBeInstanceOf(StrataError);
      const err = e as StrataError;
      expect(err.extra.hint).toBe('rawTxHex');
      if (err.code === 'bad-request') expect(err.extra.issues).toEqual([{ path: 'body.rawTxHex', message: err.message }]);
      return { code: err.code, message: err.message };
    }
    throw new Error(`decoded: ${hex.slice(0, 40)}`);
  };
  const le64 = (n: bigint) => Buffer.from(Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))).toString('hex');
  /** One input (empty script), one output of `value` paying OP_TRUE. */
  const rawTx = (value: string) => `01000000 01 ${'11'.repeat(36)} 00 ffffffff 01 ${value} 01 51 00000000`.replaceAll(' ', '');
  const EF_HEAD = '01000000' + '0000000000ef';
  /** The EF of a one-input payment with the input's amount replaced. */
  const efWithInputSats = (ef: string, sats: bigint) => {
    const b = Buffer.from(ef, 'hex');
    let at = 10 + 1 + 36; // version, marker, nIn (1), outpoint
    at += 1 + b[at]! + 4; // unlocking script (short) and sequence
    return `${ef.slice(0, at * 2)}${le64(sats)}${ef.slice(at * 2 + 16)}`;
  };

  it('too long is payload-too-large; exactly the limit is judged on its content', () => {
    // EF and BEEF carry more than the plain transaction: the submission may be twice a raw tx's limit
    const beefOf = (hexChars: number) => `0100beef${'ab'.repeat((hexChars - 8) / 2)}`;
    expect(refusal(beefOf(RAW_TX_MAX_HEX * 2 + 2))).toEqual({ code: 'payload-too-large', message: `rawTxHex exceeds ${RAW_TX_MAX_HEX * 2} hex characters.` });
    expect(refusal(beefOf(RAW_TX_MAX_HEX * 2))).toEqual({ code: 'bad-request', message: 'rawTxHex is not a well-formed BEEF.' });
    // the plain transaction inside is held to the raw limit, and the refusal names the field sent
    expect(refusal('ab'.repeat(RAW_TX_MAX_HEX)).code).toBe('payload-too-large');
  });

  it('anything but whole hex bytes, at least 10 of them, is a format error', async () => {
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 10 }]);
    for (const hex of ['', 'ab'.repeat(9), `zz${p.rawTx}`, `${p.rawTx}zz`, `${p.rawTx}0`, `${p.rawTx.slice(0, 20)} ${p.rawTx.slice(20)}`]) {
      expect(refusal(hex)).toEqual({ code: 'bad-request', message: FORMAT });
    }
    // ten bytes pass the format check and fail as a transaction instead
    expect(refusal('01000000' + '00'.repeat(6)).message).not.toBe(FORMAT);
  });

  it('BEEF V1, V2 and Atomic BEEF all yield the subject transaction', async () => {
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 950 }]);
    const v2 = Beef.fromString(p.beef, 'hex');
    v2.version = 0xefbe0002 as never;
    const atomic = Buffer.from(p.tx.toAtomicBEEF()).toString('hex');
    for (const hex of [p.beef, v2.toHex(), atomic]) {
      expect(hex.slice(0, 8)).toMatch(/^(0100beef|0200beef|01010101)$/);
      expect(decodePaymentTx(hex)).toMatchObject({ format: 'beef', txid: p.txid, feeSat: null, submittedHex: hex });
    }
    // an Atomic BEEF names its subject: the funding transaction inside it is chosen when named
    const funding = p.tx.inputs[0]!.sourceTransaction!;
    const naming = (txid: string) => `01010101${Buffer.from(txid, 'hex').reverse().toString('hex')}${atomic.slice(72)}`;
    expect(decodePaymentTx(naming(funding.id('hex'))).txid).toBe(funding.id('hex'));
    expect(refusal(naming('ab'.repeat(32)))).toEqual({ code: 'bad-request', message: 'rawTxHex (BEEF) does not contain its subject transaction.' });
    expect(refusal(`${p.beef.slice(0, 8)}${'ff'.repeat(12)}`)).toEqual({ code: 'bad-request', message: 'rawTxHex is not a well-formed BEEF.' });
  });

  it('an output above 2^53 satoshis is refused', () => {
    expect(decodePaymentTx(rawTx(le64(2n ** 53n - 1n))).outputs).toEqual([{ scriptHex: '51', satoshis: 2 ** 53 - 1 }]);
    for (const n of [2n ** 53n, 2n ** 64n - 1n]) expect(refusal(rawTx(le64(n)))).toEqual({ code: 'bad-request', message: 'rawTxHex is not a transaction.' });
  });

  it('extended format: the fee is inputs minus outputs, never negative, inputs within 2^53', async () => {
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 950 }]);
    const outSum = BigInt(decodePaymentTx(p.rawTx).outputs.reduce((a, o) => a + o.satoshis, 0));
    expect(decodePaymentTx(efWithInputSats(p.ef, outSum))).toMatchObject({ format: 'ef', txid: p.txid, feeSat: 0 });
    expect(refusal(efWithInputSats(p.ef, outSum - 1n))).toEqual({ code: 'bad-request', message: 'rawTxHex spends more than its inputs hold.' });
    expect(refusal(efWithInputSats(p.ef, 2n ** 64n - 1n))).toEqual({ code: 'bad-request', message: 'rawTxHex (extended format) inputs exceed 2^53 satoshis.' });
  });

  it('extended format: a missing, zero or oversized input count, and truncation, say so', async () => {
    const BAD_COUNT = 'rawTxHex (extended format) has a bad input count.';
    const TRUNCATED = 'rawTxHex (extended format) is truncated.';
    expect(refusal(EF_HEAD)).toEqual({ code: 'bad-request', message: BAD_COUNT }); // no count at all
    expect(refusal(`${EF_HEAD}00${'00'.repeat(60)}`)).toEqual({ code: 'bad-request', message: BAD_COUNT });
    expect(refusal(`${EF_HEAD}fde803${'00'.repeat(400)}`)).toEqual({ code: 'bad-request', message: BAD_COUNT }); // 1000 inputs in 400 bytes
    // exactly one minimal input's worth of bytes (50) is not refused for its count
    expect(refusal(`${EF_HEAD}01${'00'.repeat(50)}`).message).not.toBe(BAD_COUNT);
    const p = await buildPayment([{ scriptHex: S(1), satoshis: 950 }]);
    const cut = (bytes: number) => p.ef.slice(0, 2 * bytes);
    for (const bytes of [11 + 36 + 1, 11 + 36 + 20]) expect(refusal(`${cut(bytes)}${'00'.repeat(60)}`.slice(0, 2 * (bytes + 60))).code).toBe('bad-request');
    expect(refusal(`${EF_HEAD}02${'11'.repeat(36)}00ffffffff${'00'.repeat(8)}01`)).toEqual({ code: 'bad-request', message: BAD_COUNT });
    expect(refusal(`${EF_HEAD}01${'11'.repeat(36)}00ffffffff${'00'.repeat(8)}05`)).toEqual({ code: 'bad-request', message: TRUNCATED });
    // the second input's outpoint cut short (the first one's long script used up the count's margin)
    const longFirst = `${'11'.repeat(36)}3c${'00'.repeat(60)}ffffffff${'00'.repeat(8)}00`;
    expect(refusal(`${EF_HEAD}02${longFirst}${'00'.repeat(10)}`)).toEqual({ code: 'bad-request', message: TRUNCATED });
    // an unlocking script longer than what is left
    expect(refusal(`${EF_HEAD}01${'11'.repeat(36)}c8${'00'.repeat(20)}`)).toEqual({ code: 'bad-request', message: TRUNCATED });
    // the input's amount cut short
    expect(refusal(`${EF_HEAD}01${'11'.repeat(36)}0a${'00'.repeat(10)}ffffffff0000`)).toEqual({ code: 'bad-request', message: TRUNCATED });
  });

  it('a well-formed BEEF with no transaction at all has no subject', () => {
    // counts as non-minimal varints, so the submission reaches the 20-character minimum
    const empty = '0100beef' + 'fe00000000' + 'fe00000000';
    expect(refusal(empty)).toEqual({ code: 'bad-request', message: 'rawTxHex (BEEF) does not contain its subject transaction.' });
  });
});

describe('the template: hash, order, who is paid', () => {
  const V = 'ab'.repeat(32);

  it('templateHash is sha256 of the RFC 8785 JSON of {versionId, amountSat, outputs}', () => {
    const outputs = [{ scriptHex: S(1), satoshis: 50, extra: 'ignored' } as never, { scriptHex: S(2), satoshis: 950 }];
    const canonical = `{"amountSat":1000,"outputs":[{"satoshis":50,"scriptHex":"${S(1)}"},{"satoshis":950,"scriptHex":"${S(2)}"}],"versionId":"${V}"}`;
    expect(templateHashOf(V, 1000, outputs)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('outputs are sorted by script, then by amount; the producer sorts like anyone else', () => {
    const t = buildTemplate({
      versionId: V,
      amountSat: 10_000,
      producerScriptHex: S(1),
      splits: { producer: 0.6, overlay: 0.3, platform: 0.1 },
      scripts: { overlay: S(5), platform: S(5) },
    });
    expect(t.outputs).toEqual([{ scriptHex: S(1), satoshis: 6000 }, { scriptHex: S(5), satoshis: 1000 }, { scriptHex: S(5), satoshis: 3000 }]);
    const u = buildTemplate({ versionId: V, amountSat: 10_000, producerScriptHex: S(9), splits: { producer: 0.6, b: 0.3, a: 0.1 }, scripts: { a: S(7), b: S(3) } });
    expect(u.outputs.map((o) => o.scriptHex)).toEqual([S(3), S(7), S(9)]);
  });

  it('a share that floors to nothing is no output, and a script configured for "producer" is never used', () => {
    const t = buildTemplate({ versionId: V, amountSat: 10, producerScriptHex: S(9), splits: { producer: 0.95, overlay: 0.05 }, scripts: { overlay: S(3), producer: S(8) } });
    expect(t.outputs).toEqual([{ scriptHex: S(9), satoshis: 10 }]);
  });

  it('the producer is paid at its registered script, else P2PKH to its key, else nobody can be paid', () => {
    const key = `02${'ab'.repeat(32)}`;
    expect(producerScript({ payoutScriptHex: S(4).toUpperCase(), producerIdentityKey: key })).toBe(S(4));
    expect(producerScript({ payoutScriptHex: null, producerIdentityKey: key.toUpperCase() })).toBe(p2pkhScriptForKey(key));
    expect(() => producerScript({ payoutScriptHex: null, producerIdentityKey: null })).toThrow(
      expect.objectContaining({ code: 'conflict', message: 'This version names no producer to pay.', extra: { hint: 'payout-unavailable' } }),
    );
  });
});
