/**
 * Response shapes of `GET /openlineage/lineage` (CONTRACTS "Lineage"): `simple` and `cyto`.
 * Edges always point parent → child with `rel: "parent"`.
 */
import type { LineageGraph } from './query';

/** The `format=simple` body. */
export function toSimple(g: LineageGraph) {
  return {
    node: g.root.id,
    depth: g.depth,
    direction: g.direction,
    nodes: g.nodes.map((n) => ({ namespace: n.namespace, name: n.name, type: n.type, facets: n.facets })),
    edges: g.edges.map((e) => ({ from: e.from, to: e.to, rel: 'parent' as const })),
    stats: { nodes: g.nodes.length, edges: g.edges.length, truncated: g.truncated },
  };
}

/** The `format=cyto` body (Cytoscape.js elements). */
export function toCyto(g: LineageGraph) {
  return {
    root: g.root.id,
    depth: g.depth,
    direction: g.direction,
    elements: {
      nodes: g.nodes.map((n) => ({
        data: { id: n.id, label: n.name, namespace: n.namespace, name: n.name, type: n.type, facets: n.facets },
      })),
      edges: g.edges.map((e) => ({ data: { id: `${e.from}->${e.to}`, source: e.from, target: e.to, rel: 'parent' as const } })),
    },
    stats: { nodes: g.nodes.length, edges: g.edges.length, truncated: g.truncated },
  };
}

/** Shapes a graph for the requested format. */
export function shapeGraph(g: LineageGraph, format: 'simple' | 'cyto') {
  return format === 'cyto' ? toCyto(g) : toSimple(g);
}
