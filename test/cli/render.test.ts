/**
 * The command's terminal rendering: the progress bar draws on a terminal only (carriage returns,
 * at most ten redraws a second, erased when done) and the lineage tree is drawn with branches on
 * a terminal and plain indentation elsewhere, shared ancestors shown once.
 */
import { describe, expect, it } from 'vitest';
import { formatBytes, progressBar } from '../../packages/client/src/cli/progress';
import { renderTree } from '../../packages/client/src/cli/tree';

describe('progress bar', () => {
  it('redraws in place at most every 100 ms and erases itself', () => {
    let out = '';
    let now = 0;
    const bar = progressBar({ write: (s: string) => (out += s), isTTY: true, columns: 80 }, 'uploading', 4096, () => now);
    now = 200;
    bar.tick(1024); // drawn
    now = 250;
    bar.tick(1024); // within 100 ms: not drawn
    now = 400;
    bar.set(4096); // drawn
    bar.done();
    const frames = out.split('\r').filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatch(/^uploading \[#+\.+\]  25% 1\.0 KiB\/4\.0 KiB/);
    expect(frames[1]).toMatch(/^uploading \[#+\] 100% 4\.0 KiB\/4\.0 KiB/);
    expect(frames[2]).toBe('\x1b[K');
    for (const f of frames.slice(0, 2)) expect(f.length).toBeLessThanOrEqual(80 + 3);
  });

  it('formats sizes in binary units', () => {
    expect([0, 1023, 1536, 5 * 1024 ** 2, 3 * 1024 ** 4].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 MiB', '3.0 TiB']);
  });
});

describe('lineage tree', () => {
  const parents: Record<string, string[]> = { c: ['b', 'a'], b: ['a'], a: [] };
  const kids = (id: string) => parents[id] ?? [];

  it('draws branches on a terminal; a node met again is marked and not expanded', () => {
    expect(renderTree('c', kids, (id) => id.toUpperCase(), { tty: true }).split('\n')).toEqual(['C', '├─ B', '│  └─ A', '└─ A (above)']);
  });

  it('indents with spaces elsewhere, and stops at maxDepth', () => {
    expect(renderTree('c', kids, (id) => id, { tty: false }).split('\n')).toEqual(['c', '  b', '    a', '  a (above)']);
    expect(renderTree('c', kids, (id) => id, { tty: false, maxDepth: 1 }).split('\n')).toEqual(['c', '  b', '  a']);
  });

  it('survives a cycle', () => {
    const cyc: Record<string, string[]> = { x: ['y'], y: ['x'] };
    expect(renderTree('x', (id) => cyc[id] ?? [], (id) => id, { tty: false })).toBe('x\n  y\n    x (above)');
  });
});
