import fc from 'fast-check';
import { encode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { buildDlm1Tx, encodeDlm1, parseDlm1Tx, RAW_TX_MAX_HEX } from '@strata/core/catalog/dlm1';
import { preparePublish } from '@strata/core/catalog/publish';
import { makePublication } from '../support/dlm1';

const V = 'ab'.repeat(32);
const P1 = '01'.repeat(32);
const P2 = '02'.repeat(32);
const now = new Date('2025-06-01T00:00:00Z');

function failure(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error('expected a StrataError');
}

describe('DLM1 transaction parsing', () => {
  it('finds the DLM1 output in both layouts and at any vout', () => {
    for (const layout of ['two-push', 'one-push'] as const) {
      const tx = buildDlm1Tx({ versionId: V, parents: [P1, P2], layout, extraOutputsBefore: 2 });
      const d = parseDlm1Tx(tx.rawTx);
      expect(d).toEqual({ txid: tx.txid, vout: 2, versionId: V, parents: [P1, P2] });
    }
  });

  it('accepts upper-case hex input and a declaration without parents', () => {
    const tx = buildDlm1Tx({ versionId: V });
    expect(parseDlm1Tx(tx.rawTx.toUpperCase())).toMatchObject({ versionId: V, parents: [] });
  });

  it('rejects a tx without a DLM1 output', () => {
    const tx = buildDlm1Tx({ versionId: V, payload: new Uint8Array([1]) });
    // replace the tag "DLM1" with "DLM2"
    const raw = tx.rawTx.replace('444c4d31', '444c4d32');
    expect(failure(() => parseDlm1Tx(raw)).extra.hint).toBe('no-dlm1-output');
  });

  it('rejects corrupt CBOR, wrong lengths and wrong types', () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array([0xa2, 0x62]), 'dlm1-cbor'],
      [encode([1, 2]), 'dlm1-cbor'],
      [encode({ mh: new Uint8Array(31) }), 'dlm1-mh'],
      [encode({ mh: 'ab'.repeat(32) }), 'dlm1-mh'],
      [encode({ mh: new Uint8Array(32), p: 'x' }), 'dlm1-p'],
      [encode({ mh: new Uint8Array(32), p: [new Uint8Array(33)] }), 'dlm1-p'],
      [new Uint8Array([...encodeDlm1(V), 0x00]), 'dlm1-cbor'],
    ];
    for (const [payload, hint] of cases) {
      const tx = buildDlm1Tx({ versionId: V, payload });
      const e = failure(() => parseDlm1Tx(tx.rawTx));
      expect(e.code).toBe('bad-request');
      expect(e.extra.hint).toBe(hint);
    }
  });

  it('rejects non-transactions, truncated and padded txs, oversized input', () => {
    const { rawTx } = buildDlm1Tx({ versionId: V });
    for (const bad of ['', 'zz', '0', '0100', rawTx.slice(0, -2), `${rawTx}00`, 42, null]) {
      expect(failure(() => parseDlm1Tx(bad)).code).toBe('bad-request');
    }
    expect(failure(() => parseDlm1Tx('00'.repeat(RAW_TX_MAX_HEX / 2 + 1))).code).toBe('payload-too-large');
  });

  it('refuses hostile declared counts before any allocation (a 2^64 input count would exhaust memory)', () => {
    for (const bad of ['01000000fdffff', '01000000feffffffff00', '01000000ffffffffffffffffff00', `01000000${'01'}${'00'.repeat(36)}feffffff7f`]) {
      expect(failure(() => parseDlm1Tx(bad)).extra.hint).toBe('rawTx');
    }
  });

  it('random hex never crashes the parser', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        try {
          parseDlm1Tx(hex);
        } catch (e) {
          expect(e).toBeInstanceOf(StrataError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('preparePublish validation', () => {
  it('accepts a manifest whose tx commits to its versionId and parents (any order)', () => {
    const pub = makePublication({ lineage: { parents: [P1, P2] } }, { parents: [P2, P1] });
    const p = preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now });
    expect(p).toMatchObject({ versionId: pub.versionId, txid: pub.txid, vout: 0, parents: [P1, P2] });
  });

  it('409 when the tx commits to another versionId', () => {
    const pub = makePublication({}, { versionId: V });
    const e = failure(() => preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now }));
    expect([e.code, e.extra.hint]).toEqual(['conflict', 'dlm1-versionId-mismatch']);
  });

  it('409 when the parents differ (missing, extra or duplicated)', () => {
    for (const parents of [[P1], [P1, P2, V], [P1, P1]]) {
      const pub = makePublication({ lineage: { parents: [P1, P2] } }, { parents });
      const e = failure(() => preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now }));
      expect([e.code, e.extra.hint]).toEqual(['conflict', 'dlm1-parents-mismatch']);
    }
  });

  it('409 when manifest.versionId is not its hash; accepted when it is', () => {
    const pub = makePublication();
    const wrong = failure(() => preparePublish({ rawTx: pub.rawTx, manifest: { ...pub.manifest, versionId: V }, now }));
    expect(wrong.extra.hint).toBe('versionId-mismatch');
    const ok = preparePublish({ rawTx: pub.rawTx, manifest: { ...pub.manifest, versionId: pub.versionId.toUpperCase() }, now });
    expect(ok.versionId).toBe(pub.versionId);
  });

  it('validation-failed for a bad manifest, bad-request for a bad tx', () => {
    const pub = makePublication();
    expect(failure(() => preparePublish({ rawTx: pub.rawTx, manifest: { nope: 1 }, now })).code).toBe('validation-failed');
    expect(failure(() => preparePublish({ rawTx: 'abc', manifest: pub.manifest, now })).code).toBe('bad-request');
  });
});
