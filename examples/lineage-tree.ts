/**
 * Print a version's ancestry as an indented tree, from its listing and the parents its
 * declaration commits to, with each version's confirmations from the bundle.
 *
 *   npx tsx examples/lineage-tree.ts <versionId>
 */
import type { StrataClient } from '@strata/client';
import { runIfMain, type Print } from './connect';

export async function run(strata: StrataClient, print: Print = console.log, versionId = process.argv[2] ?? '') {
  const bundle = await strata.bundle(versionId);
  const confs = new Map(bundle.proofs.map((p) => [p.versionId, p.envelope.confirmations]));
  const lines: string[] = [];
  const walk = async (id: string, depth: number): Promise<void> => {
    const l = await strata.listing(id);
    const line = `${'  '.repeat(depth)}${l.manifest.name ?? id} (${l.manifest.datasetId}, ${confs.get(id) ?? 0} conf)`;
    lines.push(line);
    print(line);
    for (const parent of l.parents) await walk(parent, depth + 1);
  };
  await walk(versionId, 0);
  return lines;
}

runIfMain(import.meta, run);
