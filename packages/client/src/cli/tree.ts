/**
 * An indented tree of a graph walked from one root: box-drawing branches on a terminal, plain
 * two-space indentation elsewhere (stable for grep and diff). A node met again is printed once
 * more with "(above)" and not expanded, so shared ancestors and cycles stay finite.
 */
export function renderTree(root: string, children: (id: string) => readonly string[], label: (id: string) => string, o: { tty: boolean; maxDepth?: number }): string {
  const lines: string[] = [label(root)];
  const seen = new Set<string>([root]);
  const walk = (id: string, prefix: string, depth: number) => {
    const kids = children(id);
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      const branch = o.tty ? (last ? '└─ ' : '├─ ') : '  ';
      const again = seen.has(k);
      lines.push(`${prefix}${branch}${label(k)}${again ? ' (above)' : ''}`);
      if (again || (o.maxDepth !== undefined && depth + 1 >= o.maxDepth)) return;
      seen.add(k);
      walk(k, prefix + (o.tty ? (last ? '   ' : '│  ') : '  '), depth + 1);
    });
  };
  walk(root, '', 0);
  return lines.join('\n');
}
