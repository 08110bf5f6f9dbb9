import { describe, expect, it } from 'vitest';
import { createMetrics, keyed } from '@strata/core/observability/metrics';

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

  it('series taken once add to the same numbers inc/observe report; keyed memoises one per label combination', async () => {
    const m = createMetrics();
    const c = m.counterSeries('s_total', { b: '2', a: '1' });
    c.inc();
    c.inc(4);
    m.inc('s_total', { a: '1', b: '2' });
    expect([c.value, m.counter('s_total', { a: '1', b: '2' })]).toEqual([6, 6]);
    const made: string[] = [];
    const by = keyed((x: string, y: string) => (made.push(`${x}/${y}`), m.histogramSeries('h_ms', { x, y }, [1, 10])));
    by('a', 'b').observe(0.5);
    by('a', 'b').observe(5);
    by('a', 'c').observe(50);
    expect(made).toEqual(['a/b', 'a/c']);
    const text = await m.render();
    expect(text).toContain('h_ms_bucket{x="a",y="b",le="1"} 1');
    expect(text).toContain('h_ms_bucket{x="a",y="b",le="10"} 2');
    expect(text).toContain('h_ms_count{x="a",y="c"} 1');
    expect(text).not.toContain('le="25"');
  });

  it('collectors run at render; a failing or hanging one drops only its own series', async () => {
    const m = createMetrics();
    m.collector('ok', () => [{ name: 'g_ok', value: 3, labels: { k: 'v' } }], { help: { g_ok: 'fine' } });
    m.collector('broken', async () => {
      throw new Error('tier down');
    });
    m.collector('hung', () => new Promise(() => undefined), { timeoutMs: 20 });
    const text = await m.render();
    expect(text).toContain('# HELP g_ok fine\n# TYPE g_ok gauge\ng_ok{k="v"} 3');
    expect(text).toContain('strata_metrics_collector_up{collector="ok"} 1');
    expect(text).toContain('strata_metrics_collector_up{collector="broken"} 0');
    expect(text).toContain('strata_metrics_collector_up{collector="hung"} 0');
  });
});
