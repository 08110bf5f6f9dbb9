/** Node id parsing (namespaces and names may contain ':') and the response shapes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datasetNodeId, parseNodeId, toCyto, toSimple } from '@strata/core/lineage/index';
import type { LineageGraph } from '@strata/core/lineage/index';

describe('parseNodeId', () => {
  it('offers every split, longest namespace first', () => {
    expect(parseNodeId('dataset:overlay:prod:abc')).toEqual([
      { namespace: 'overlay:prod', name: 'abc' },
      { namespace: 'overlay', name: 'prod:abc' },
    ]);
    expect(parseNodeId('dataset:postgres://db:5432:public.orders')?.map((c) => c.namespace)).toContain('postgres://db:5432');
  });

  it.each(['job:ns:name', 'dataset:', 'dataset:nocolon', 'dataset::name', 'dataset:ns:', `dataset:${'a'.repeat(1100)}:${'b'.repeat(1100)}`])(
    'rejects %s',
    (id) => expect(parseNodeId(id)).toBeNull(),
  );

  it('property: the id of any (namespace, name) parses back to a candidate list containing it', () => {
    const part = fc.string({ minLength: 1, maxLength: 30, unit: fc.constantFrom('a', 'b', ':', '/', '.', '1') });
    fc.assert(
      fc.property(part, part, (namespace, name) => {
        const candidates = parseNodeId(datasetNodeId({ namespace, name }));
        expect(candidates).toContainEqual({ namespace, name });
        // every candidate rebuilds the same id, and there is one per interior colon
        for (const c of candidates ?? []) expect(datasetNodeId(c)).toBe(datasetNodeId({ namespace, name }));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseNodeId(s)), { numRuns: 1000 });
  });
});

describe('response shapes', () => {
  const graph: LineageGraph = {
    root: { id: 'dataset:overlay:prod:child', namespace: 'overlay:prod', name: 'child' },
    depth: 3,
    direction: 'up',
    nodes: [
      { id: 'dataset:overlay:prod:child', namespace: 'overlay:prod', name: 'child', type: 'dataset', facets: {}, distance: 0 },
      { id: 'dataset:overlay:prod:parent', namespace: 'overlay:prod', name: 'parent', type: 'dataset', facets: { x: { v: '1' } }, distance: 1 },
    ],
    edges: [{ from: 'dataset:overlay:prod:parent', to: 'dataset:overlay:prod:child' }],
    truncated: false,
    truncatedBy: null,
  };

  it('simple', () => {
    expect(toSimple(graph)).toEqual({
      node: 'dataset:overlay:prod:child',
      depth: 3,
      direction: 'up',
      nodes: [
        { namespace: 'overlay:prod', name: 'child', type: 'dataset', facets: {} },
        { namespace: 'overlay:prod', name: 'parent', type: 'dataset', facets: { x: { v: '1' } } },
      ],
      edges: [{ from: 'dataset:overlay:prod:parent', to: 'dataset:overlay:prod:child', rel: 'parent' }],
      stats: { nodes: 2, edges: 1, truncated: false },
    });
  });

  it('cyto', () => {
    const c = toCyto(graph);
    expect(c.root).toBe('dataset:overlay:prod:child');
    expect(c.elements.nodes[1]?.data).toMatchObject({ id: 'dataset:overlay:prod:parent', label: 'parent', namespace: 'overlay:prod' });
    expect(c.elements.edges).toEqual([
      {
        data: {
          id: 'dataset:overlay:prod:parent->dataset:overlay:prod:child',
          source: 'dataset:overlay:prod:parent',
          target: 'dataset:overlay:prod:child',
          rel: 'parent',
        },
      },
    ]);
    expect(c.stats).toEqual({ nodes: 2, edges: 1, truncated: false });
  });
});
