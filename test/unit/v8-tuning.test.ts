/**
 * The V8 settings of the Node processes (ADR 0063) reach every Node entry before anything else
 * is loaded, and never the Worker (workerd has no `node:v8` to set them with).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { moduleGraph } from '../support/module-graph';

const base = fileURLToPath(new URL('../../', import.meta.url));
const TUNING = 'functions/src/platform/v8-tuning.ts';
const NODE_ENTRIES = ['functions/src/entry/node.ts', 'functions/src/entry/lambda.ts', 'functions/src/entry/queue.ts', 'functions/src/entry/cron.ts'];

describe('V8 settings of the Node processes', () => {
  it.each(NODE_ENTRIES)('%s imports them first', (entry) => {
    const imports = ts.preProcessFile(readFileSync(`${base}${entry}`, 'utf8'), true, true).importedFiles.map((i) => i.fileName);
    expect(imports[0]).toBe('../platform/v8-tuning');
  });

  it('turn allocation-site pretenuring off', async () => {
    const { V8_FLAGS } = await import('@strata/functions/platform/v8-tuning');
    expect(V8_FLAGS).toEqual(['--no-allocation-site-pretenuring']);
  });

  it('are not reachable from the Worker entry', () => {
    const graph = moduleGraph(base, ['packages/core/src', 'functions/src']);
    const seen = new Set<string>();
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const g of graph.get(f) ?? []) walk(g);
    };
    walk('functions/src/entry/worker.ts');
    expect(seen.size).toBeGreaterThan(20);
    expect(seen.has(TUNING)).toBe(false);
    // and the Node entries do reach it (the walk sees through the graph)
    seen.clear();
    walk('functions/src/entry/lambda.ts');
    expect(seen.has(TUNING)).toBe(true);
  });
});
