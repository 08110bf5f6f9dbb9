/**
 * No import cycles in packages/core/src or functions/src, type-only imports included
 * (docs/adr/0056): a module's dependencies can be read, tested and loaded without the modules
 * that depend on it. A failure names each cycle as a path.
 */
import { describe, expect, it } from 'vitest';
import { cycles, moduleGraph } from '../support/module-graph';

const base = new URL('../..', import.meta.url).pathname;

describe('import graph', () => {
  it('the detector finds a cycle, type imports and aliases included, and names its path', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a', 'a']]);
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
    const g = moduleGraph(base, ['packages/core/src', 'functions/src']);
    // `import type { Deps } from '../deps'` is an edge; so is `@strata/core/…` from functions/src
    expect(g.get('packages/core/src/jobs/handlers.ts')).toContain('packages/core/src/deps.ts');
    expect(g.get('functions/src/routes/ready.ts')).toContain('packages/core/src/bundle/ready-decision.ts');
    expect(g.size).toBeGreaterThan(200);
  });

  it('packages/core/src and functions/src have none', () => {
    const found = cycles(moduleGraph(base, ['packages/core/src', 'functions/src']));
    expect(found.map((c) => c.join(' → '))).toEqual([]);
  });
});
