import { describe, expect, it } from 'vitest';
import { createMetrics } from '@strata/core/observability/metrics';

describe('metrics', () => {
  it('histogram buckets are cumulative (le), with +Inf, sum and count', async () => {
    const m = createMetrics();
    for (const v of [0.5, 1, 3, 30, 20_000]) m.observe('t_ms', { b: 'x', a: 'y' }, v);
    const text = await m.render();
    const bucket = (le: string) => Number(new RegExp(`t_ms_bucket\\{a="y",b="x",le="${le.replace('+', '\\+')}"\\} (\\d+)`).exec(text)?.[1]);
    expect([bucket('1'), bucket('2'), bucket('5'), bucket('25'), bucket('50'), bucket('10000'), bucket('+Inf')]).toEqual([2, 2, 3, 3, 4, 4, 5]);
    expect(text).toContain('t_ms_sum{a="y",b="x"} 20034.5');
    expect(text).toContain('t_ms_count{a="y",b="x"} 5');
  });

  it('label order does not split a series; quotes, backslashes and newlines are neutralised', async () => {
    const m = createMetrics();
    m.inc('c_total', { a: '1', b: '2' });
    m.inc('c_total', { b: '2', a: '1' }, 2);
    m.inc('c_total', { a: 'say "hi"\\\n' });
    expect(m.counter('c_total', { b: '2', a: '1' })).toBe(3);
    const text = await m.render();
    expect(text).toContain('c_total{a="1",b="2"} 3');
    expect(text).toContain('c_total{a="say _hi___"} 1');
  });
});
