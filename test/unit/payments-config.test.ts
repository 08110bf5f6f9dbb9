/**
 * The payment settings as parseConfig reads them: every default, the split and script tables at
 * their boundaries with the message each refusal names, the ARC settings and the cross-field check.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@strata/core/config/index';
import { ARC_WAIT_FOR, DEFAULT_SPLITS, PayScripts, PaySplits, paymentsConfigIssues } from '@strata/core/payments/config';

function problemsOf(raw: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}
const splits = (o: Record<string, unknown>) => parseConfig({ PAY_SPLITS_JSON: JSON.stringify(o) }).PAY_SPLITS_JSON;
const splitProblems = (o: Record<string, unknown>) => problemsOf({ PAY_SPLITS_JSON: JSON.stringify(o) });
const scripts = (o: Record<string, unknown>) => parseConfig({ PAY_SCRIPTS_JSON: JSON.stringify(o) }).PAY_SCRIPTS_JSON;
const scriptProblems = (o: Record<string, unknown>) => problemsOf({ PAY_SCRIPTS_JSON: JSON.stringify(o) });

describe('payment settings', () => {
  it('defaults', () => {
    const c = parseConfig({});
    expect({
      PRICE_DEFAULT_SATS: c.PRICE_DEFAULT_SATS,
      PRICE_QUOTE_TTL_SEC: c.PRICE_QUOTE_TTL_SEC,
      RECEIPT_TTL_SEC: c.RECEIPT_TTL_SEC,
      RECEIPT_ACCESS_TTL_SEC: c.RECEIPT_ACCESS_TTL_SEC,
      RECEIPT_UNIT_BYTES: c.RECEIPT_UNIT_BYTES,
      SINGLE_USE_RECEIPTS: c.SINGLE_USE_RECEIPTS,
      QUOTE_TTL_SEC: c.QUOTE_TTL_SEC,
      PAY_SPLITS_JSON: c.PAY_SPLITS_JSON,
      PAY_SCRIPTS_JSON: c.PAY_SCRIPTS_JSON,
      BROADCAST_MODE: c.BROADCAST_MODE,
      ARC_URL: c.ARC_URL,
      ARC_API_KEY: c.ARC_API_KEY,
      ARC_CALLBACK_URL: c.ARC_CALLBACK_URL,
      ARC_CALLBACK_TOKEN: c.ARC_CALLBACK_TOKEN,
      ARC_WAIT_FOR: c.ARC_WAIT_FOR,
      ARC_TIMEOUT_MS: c.ARC_TIMEOUT_MS,
      RECEIPT_RECONCILE_BATCH: c.RECEIPT_RECONCILE_BATCH,
    }).toEqual({
      PRICE_DEFAULT_SATS: 5000,
      PRICE_QUOTE_TTL_SEC: 1800,
      RECEIPT_TTL_SEC: 1800,
      RECEIPT_ACCESS_TTL_SEC: 30 * 86_400,
      RECEIPT_UNIT_BYTES: 100 * 1024 * 1024,
      SINGLE_USE_RECEIPTS: false,
      QUOTE_TTL_SEC: 120,
      PAY_SPLITS_JSON: undefined,
      PAY_SCRIPTS_JSON: undefined,
      BROADCAST_MODE: undefined,
      ARC_URL: undefined,
      ARC_API_KEY: undefined,
      ARC_CALLBACK_URL: undefined,
      ARC_CALLBACK_TOKEN: undefined,
      ARC_WAIT_FOR: 'SEEN_ON_NETWORK',
      ARC_TIMEOUT_MS: 10_000,
      RECEIPT_RECONCILE_BATCH: 200,
    });
    expect(DEFAULT_SPLITS).toEqual({ producer: 0.95, overlay: 0.05 });
    expect(PaySplits.safeParse(DEFAULT_SPLITS).success).toBe(true);
  });

  it('integer settings at their bounds', () => {
    expect(parseConfig({ PRICE_DEFAULT_SATS: String(2 ** 53 - 1), RECEIPT_ACCESS_TTL_SEC: '60', QUOTE_TTL_SEC: '10', ARC_TIMEOUT_MS: '120000', SINGLE_USE_RECEIPTS: '1' })).toMatchObject({
      PRICE_DEFAULT_SATS: 2 ** 53 - 1,
      RECEIPT_ACCESS_TTL_SEC: 60,
      QUOTE_TTL_SEC: 10,
      ARC_TIMEOUT_MS: 120_000,
      SINGLE_USE_RECEIPTS: true,
    });
    const bad = problemsOf({ PRICE_DEFAULT_SATS: '0', RECEIPT_ACCESS_TTL_SEC: '59', QUOTE_TTL_SEC: '86401', ARC_TIMEOUT_MS: '99', RECEIPT_RECONCILE_BATCH: '10001', PRICE_QUOTE_TTL_SEC: '1.5' });
    expect(bad.map((p) => p.variable).sort()).toEqual(['ARC_TIMEOUT_MS', 'PRICE_DEFAULT_SATS', 'PRICE_QUOTE_TTL_SEC', 'QUOTE_TTL_SEC', 'RECEIPT_ACCESS_TTL_SEC', 'RECEIPT_RECONCILE_BATCH']);
  });

  it('PAY_SPLITS_JSON: a producer share, party names, shares in (0, 1] adding up to at most 1, at most 8 parties', () => {
    expect(splits({ producer: 0.9, overlay: 0.1 })).toEqual({ producer: 0.9, overlay: 0.1 });
    expect(splits({ producer: 1 })).toEqual({ producer: 1 });
    expect(splits({ producer: 0.5, overlay: 0.5 })).toEqual({ producer: 0.5, overlay: 0.5 });
    // float sums get 1e-9 of slack, and not more
    expect(splits({ producer: 0.5, overlay: 0.500000001 })).toEqual({ producer: 0.5, overlay: 0.500000001 });
    expect(splitProblems({ producer: 0.5, overlay: 0.500000002 })).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'shares must add up to at most 1' }]);
    expect(splitProblems({ producer: 0.6, overlay: 0.3, ops: 0.2 })).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'shares must add up to at most 1' }]);
    expect(splitProblems({ overlay: 0.1 })).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'must name a "producer" share' }]);
    const eight = Object.fromEntries(['producer', 'a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, 0.1]));
    expect(Object.keys(splits(eight)!)).toHaveLength(8);
    expect(splitProblems({ ...eight, h: 0.1 })).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'at most 8 parties' }]);
    expect(splitProblems({ ...Object.fromEntries(Object.keys(eight).map((k) => [k, 0.01])), h: 0.01 })).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'at most 8 parties' }]);
    // party names: a lower-case letter, then up to 31 of [a-z0-9_-]
    expect(splits({ producer: 0.5, a: 0.1, 'z9_-x': 0.1, ['b'.repeat(32)]: 0.1 })).toEqual({ producer: 0.5, a: 0.1, 'z9_-x': 0.1, ['b'.repeat(32)]: 0.1 });
    for (const name of ['b'.repeat(33), 'Overlay', '9lives', '_x', 'x y', ' x', 'x ', 'x!', 'oVer']) {
      expect(splitProblems({ producer: 0.5, [name]: 0.1 }), name).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'party names are lower-case words' }]);
    }
    expect(splitProblems({ producer: 0 }).map((p) => p.variable)).toEqual(['PAY_SPLITS_JSON']);
    expect(splitProblems({ producer: 1.01 }).map((p) => p.variable)).toContain('PAY_SPLITS_JSON');
    expect(problemsOf({ PAY_SPLITS_JSON: '{producer: 1}' })).toEqual([{ variable: 'PAY_SPLITS_JSON', message: 'is not valid JSON' }]);
    // only a bad party name is reported as one
    expect(problemsOf({ PAY_SPLITS_JSON: '[]', PAY_SCRIPTS_JSON: '5' })).toEqual([
      { variable: 'PAY_SPLITS_JSON', message: 'Invalid input: expected record, received array' },
      { variable: 'PAY_SCRIPTS_JSON', message: 'Invalid input: expected record, received number' },
    ]);
  });

  it('PAY_SCRIPTS_JSON: party → even-length hex script, stored lower-case', () => {
    expect(scripts({ overlay: '76A9Fe', ops: '6a' })).toEqual({ overlay: '76a9fe', ops: '6a' });
    expect(PayScripts.parse({ ['c'.repeat(32)]: '00' })).toEqual({ ['c'.repeat(32)]: '00' });
    for (const hex of ['abc', 'zz', '0g', 'x00', '00x', '00 ']) {
      expect(scriptProblems({ overlay: hex }), hex).toEqual([{ variable: 'PAY_SCRIPTS_JSON', message: 'must be hex' }]);
    }
    expect(scriptProblems({ overlay: '' }).map((p) => p.variable)).toContain('PAY_SCRIPTS_JSON');
    expect(scriptProblems({ overlay: 'ab'.repeat(10_001) }).map((p) => p.variable)).toEqual(['PAY_SCRIPTS_JSON']);
    expect(scripts({ overlay: 'ab'.repeat(10_000) })?.overlay).toHaveLength(20_000);
    for (const name of ['Overlay', '1x', 'c'.repeat(33), 'x!', ' x']) {
      expect(scriptProblems({ [name]: '00' }), name).toEqual([{ variable: 'PAY_SCRIPTS_JSON', message: 'party names are lower-case words' }]);
    }
  });

  it('ARC settings: mode, URL required for arc, secrets, callback token length, wait-for status', () => {
    expect(problemsOf({ BROADCAST_MODE: 'arc' })).toEqual([{ variable: 'ARC_URL', message: 'is required when BROADCAST_MODE=arc' }]);
    const arc = parseConfig({ BROADCAST_MODE: 'arc', ARC_URL: 'https://arc.example/v1', ARC_API_KEY: 'k', ARC_CALLBACK_TOKEN: 'x'.repeat(16), ARC_WAIT_FOR: 'MINED' });
    expect(arc).toMatchObject({ BROADCAST_MODE: 'arc', ARC_URL: 'https://arc.example/v1', ARC_WAIT_FOR: 'MINED' });
    expect(arc.ARC_API_KEY?.reveal()).toBe('k');
    expect(arc.ARC_CALLBACK_TOKEN?.reveal()).toBe('x'.repeat(16));
    expect(parseConfig({ BROADCAST_MODE: 'dryrun' }).BROADCAST_MODE).toBe('dryrun');
    expect(problemsOf({ ARC_CALLBACK_TOKEN: 'x'.repeat(15) })).toEqual([{ variable: 'ARC_CALLBACK_TOKEN', message: 'must be at least 16 characters' }]);
    expect(problemsOf({ BROADCAST_MODE: 'taal' }).map((p) => p.variable)).toEqual(['BROADCAST_MODE']);
    expect(ARC_WAIT_FOR).toEqual(['QUEUED', 'RECEIVED', 'STORED', 'ANNOUNCED_TO_NETWORK', 'SEEN_ON_NETWORK', 'ACCEPTED_BY_NETWORK', 'MINED']);
    for (const w of ARC_WAIT_FOR) expect(parseConfig({ ARC_WAIT_FOR: w }).ARC_WAIT_FOR).toBe(w);
    expect(problemsOf({ ARC_WAIT_FOR: 'mined' }).map((p) => p.variable)).toEqual(['ARC_WAIT_FOR']);
    // the cross-field check on its own
    const seen: [string, string][] = [];
    paymentsConfigIssues({ BROADCAST_MODE: 'arc' }, (p, m) => seen.push([p, m]));
    paymentsConfigIssues({ BROADCAST_MODE: 'arc', ARC_URL: 'https://a.example' }, (p, m) => seen.push([p, m]));
    paymentsConfigIssues({ BROADCAST_MODE: 'dryrun' }, (p, m) => seen.push([p, m]));
    paymentsConfigIssues({}, (p, m) => seen.push([p, m]));
    expect(seen).toEqual([['ARC_URL', 'is required when BROADCAST_MODE=arc']]);
  });
});
