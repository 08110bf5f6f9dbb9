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
import { buildTemplate, p2pkhScriptForKey, templateHashOf, unpaidOutput } from '@strata/core/payments/template';
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
