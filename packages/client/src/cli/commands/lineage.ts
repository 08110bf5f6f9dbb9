/**
 * `strata lineage <node>`: where something came from, as a tree. A versionId walks the parents
 * committed on chain (GET /listings/{versionId}, one request per version); `dataset:<ns>:<name>`
 * (or `<ns>/<name>` with --dataset) asks the OpenLineage graph (GET /openlineage/lineage).
 */
import { defineCommand, usageError } from '../framework';
import { renderTree } from '../tree';

const tree = (root: string, children: (id: string) => readonly string[], label: (id: string) => string, tty: boolean) => renderTree(root, children, label, { tty });

interface VersionNode {
  readonly versionId: string;
  readonly name: string | null;
  readonly datasetId: string | null;
  readonly parents: string[];
  readonly missing?: boolean;
}

export const lineage = defineCommand({
  name: 'lineage',
  summary: 'where a version or dataset came from, as an indented tree',
  description:
    'For a versionId (64 hex): its parents as committed on chain, their parents, and so on to --depth. For an OpenLineage dataset, `dataset:<namespace>:<name>`: the datasets upstream (or --direction down, both) from the lineage graph. A terminal gets a drawn tree; a pipe gets two-space indentation; --json prints the nodes and edges.',
  args: [{ name: 'node', description: 'a versionId, or dataset:<namespace>:<name>', required: true }],
  options: {
    depth: { type: 'string', value: '<n>', description: 'hops to follow (default 5; datasets at most the server’s OL_QUERY_MAX_DEPTH)' },
    direction: { type: 'string', value: '<up|down|both>', description: 'datasets only: ancestors (default), descendants or both' },
  },
  examples: ['strata lineage 9f86d0…', 'strata lineage dataset:warehouse:public.orders --direction down'],
  async run(ctx) {
    const node = ctx.args.node as string;
    const depth = ctx.int('depth', { min: 1, max: 50 }) ?? 5;
    const tty = ctx.io.stdout.isTTY === true;
    const client = await ctx.services.client();
    if (/^[0-9a-fA-F]{64}$/.test(node)) {
      if (ctx.str('direction')) throw usageError('--direction applies to datasets; a version’s tree follows its parents');
      const root = node.toLowerCase();
      const byId = new Map<string, VersionNode>();
      let frontier = [root];
      for (let d = 0; d <= depth && frontier.length; d++) {
        const fetched = await Promise.all(
          frontier.filter((v) => !byId.has(v)).map(async (v): Promise<VersionNode> => {
            try {
              const l = await client.listing(v);
              return { versionId: v, name: l.manifest.name, datasetId: l.manifest.datasetId, parents: l.parents };
            } catch (e) {
              if (v === root || (e as { status?: number }).status !== 404) throw e;
              return { versionId: v, name: null, datasetId: null, parents: [], missing: true };
            }
          }),
        );
        for (const n of fetched) byId.set(n.versionId, n);
        frontier = d < depth ? fetched.flatMap((n) => n.parents) : [];
      }
      const edges = [...byId.values()].flatMap((n) => n.parents.map((p) => ({ child: n.versionId, parent: p })));
      const label = (v: string) => {
        const n = byId.get(v);
        if (!n) return `${v}  …`;
        return n.missing ? `${v}  (not in this catalog)` : `${v}  ${n.datasetId}${n.name ? ` — ${n.name}` : ''}`;
      };
      return {
        json: { root, kind: 'version', depth, nodes: [...byId.values()], edges },
        human: () => tree(root, (v) => byId.get(v)?.parents ?? [], label, tty),
      };
    }
    const direction = ctx.str('direction') ?? 'up';
    if (!['up', 'down', 'both'].includes(direction)) throw usageError('--direction must be up, down or both');
    if (!node.startsWith('dataset:')) throw usageError('node must be a versionId (64 hex) or dataset:<namespace>:<name>');
    const g = (await client.lineage({ node, depth, direction: direction as 'up' | 'down' | 'both', format: 'simple' })) as unknown as {
      node: string;
      nodes: Array<{ namespace: string; name: string; type: string }>;
      edges: Array<{ from: string; to: string }>;
      stats?: { truncated?: boolean };
    };
    const rootId = g.node ?? node;
    // node ids are `<type>:<namespace>:<name>`; a tree line shows `<namespace>:<name>`
    const names = new Map(g.nodes.map((n) => [`${n.type ?? 'dataset'}:${n.namespace}:${n.name}`, `${n.namespace}:${n.name}`]));
    // children in name order: the same graph always prints the same tree
    const byName = (a: string, b: string) => (names.get(a) ?? a).localeCompare(names.get(b) ?? b);
    const up = (id: string) => g.edges.filter((e) => e.to === id).map((e) => e.from).sort(byName);
    const down = (id: string) => g.edges.filter((e) => e.from === id).map((e) => e.to).sort(byName);
    return {
      json: { root: rootId, kind: 'dataset', depth, direction, ...g },
      human: () => {
        const text =
          direction === 'both'
            ? `upstream:\n${tree(rootId, up, (id) => names.get(id) ?? id, tty)}\ndownstream:\n${tree(rootId, down, (id) => names.get(id) ?? id, tty)}`
            : tree(rootId, direction === 'up' ? up : down, (id) => names.get(id) ?? id, tty);
        return g.stats?.truncated ? `${text}\n(cut: more lies beyond --depth or the node budget)` : text;
      },
    };
  },
});
