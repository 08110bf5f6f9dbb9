import { describe, expect, it } from 'vitest';
import { isStrataError } from '@strata/core/errors';
import { verifyEnvelope } from '@strata/core/spv/envelope';
import { fileChainView, parseHeadersFile, rawHeadersInOrder } from '@strata/core/spv/headers-file';
import { buildScenario, mineFork } from '../support/chain';

const s = buildScenario({ length: 6, blockHeight: 2 });
const entries = s.headers.map((h) => ({ hash: h.hash, prevHash: h.prevHash, merkleRoot: h.merkleRoot, height: h.height }));
const listForm = { bestHeight: 5, tipHash: s.headers[5]!.hash, headers: entries };

function expectInvalid(text: string): void {
  let err: unknown = null;
  try {
    parseHeadersFile(text);
  } catch (e) {
    err = e;
  }
  expect(isStrataError(err) && err.code === 'validation-failed').toBe(true);
}

describe('parseHeadersFile', () => {
  it('reads the list form and the byHash form to the same sorted headers', () => {
    const a = parseHeadersFile(JSON.stringify({ ...listForm, headers: [...entries].reverse() }));
    const byHash = Object.fromEntries(entries.map(({ hash, ...rest }) => [hash.toUpperCase(), rest]));
    const b = parseHeadersFile(JSON.stringify({ bestHeight: 5, tipHash: listForm.tipHash, byHash }));
    expect(a).toEqual(b);
    expect(a.headers.map((h) => h.height)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.headers[2]).toEqual({ ...entries[2], raw: null });
  });

  it('serves as a chain view: envelopes verify against it, stale branches do not count', async () => {
    const fork = mineFork(s.headers[1]!, 2); // heights 2 and 3 on a side branch
    const extra = fork.map((h) => ({ hash: h.hash, prevHash: h.prevHash, merkleRoot: h.merkleRoot, height: h.height }));
    const view = fileChainView(parseHeadersFile(JSON.stringify({ ...listForm, headers: [...entries, ...extra] })));
    expect(await verifyEnvelope(s.envelope, view)).toMatchObject({ ok: true, confirmations: 4 });
    expect(await view.isOnBestChain(fork[1]!.hash)).toBe(false);
    expect(await view.headerByHash(fork[1]!.hash)).toMatchObject({ height: 3, onBest: false });
  });

  it('checks optional raw headers and returns them in chain order for insertHeaders', () => {
    const withRaw = s.headers.map((h, i) => ({ ...entries[i], raw: h.hex }));
    const file = parseHeadersFile(JSON.stringify({ ...listForm, headers: withRaw }));
    expect(rawHeadersInOrder(file)).toEqual({ headers: s.headers.map((h) => h.hex), startHeight: 0 });
    expect(rawHeadersInOrder(parseHeadersFile(JSON.stringify(listForm)))).toBeNull();
    const lying = withRaw.map((e, i) => (i === 3 ? { ...e, raw: s.headers[4]!.hex } : e));
    expectInvalid(JSON.stringify({ ...listForm, headers: lying }));
  });

  it.each([
    ['not JSON', '{'],
    ['neither form', JSON.stringify({ bestHeight: 5, tipHash: listForm.tipHash })],
    ['tip missing', JSON.stringify({ ...listForm, tipHash: 'ab'.repeat(32) })],
    ['tip at another height', JSON.stringify({ ...listForm, bestHeight: 9 })],
    ['bad hash', JSON.stringify({ ...listForm, headers: [...entries, { ...entries[0], hash: 'zz' }] })],
    ['duplicate hash', JSON.stringify({ ...listForm, headers: [...entries, entries[1]] })],
    ['height not following parent', JSON.stringify({ ...listForm, headers: entries.map((e, i) => (i === 3 ? { ...e, height: 7 } : e)) })],
    ['bad byHash key', JSON.stringify({ bestHeight: 0, tipHash: entries[0]!.hash, byHash: { nope: { prevHash: entries[0]!.prevHash, height: 0 } } })],
  ])('rejects %s', (_name, text) => {
    expectInvalid(text);
  });
});
