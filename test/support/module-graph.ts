/**
 * The import graph of a source tree, read with the TypeScript compiler's pre-processor (every
 * `import`, `import type`, `export … from` and `import()` counts, resolved the way the project
 * resolves them: relative paths and the `@strata/core/*` alias), and its cycles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export type ModuleGraph = ReadonlyMap<string, readonly string[]>;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The graph of every `.ts` file under `roots` (paths relative to `base`); edges leaving the roots are dropped. */
export function moduleGraph(base: string, roots: readonly string[], coreSrc = 'packages/core/src'): ModuleGraph {
  const files = roots.flatMap((r) => sourceFiles(resolve(base, r)));
  const known = new Set(files);
  const rel = (f: string) => relative(base, f).split('\\').join('/');
  const target = (from: string, spec: string): string | null => {
    const stem = spec.startsWith('.') ? resolve(dirname(from), spec) : spec.startsWith('@strata/core/') ? resolve(base, coreSrc, spec.slice('@strata/core/'.length)) : null;
    if (stem === null) return null;
    for (const c of [stem, `${stem}.ts`, join(stem, 'index.ts'), stem.replace(/\.js$/, '.ts')]) if (known.has(c)) return c;
    return null;
  };
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    const to = new Set<string>();
    for (const i of info.importedFiles) {
      const t = target(f, i.fileName);
      if (t) to.add(rel(t));
    }
    graph.set(rel(f), [...to].sort());
  }
  return graph;
}

/** Every cycle's strongly connected component (Tarjan), each given as one closed path `a → b → … → a`. */
export function cycles(graph: ModuleGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    if (scc.size > 1 || (graph.get(v) ?? []).includes(v)) out.push(pathWithin(graph, scc, v));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** A shortest closed path from `start` back to itself inside one component (breadth first). */
function pathWithin(graph: ModuleGraph, scc: ReadonlySet<string>, start: string): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
