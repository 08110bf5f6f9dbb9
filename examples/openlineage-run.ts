/**
 * Report a job run the way an OpenLineage client does (START, then COMPLETE with its inputs
 * and outputs; ingest token), then read the output's upstream graph back.
 *
 *   npx tsx examples/openlineage-run.ts
 */
import { randomUUID } from 'node:crypto';
import type { StrataClient } from '@strata/client';
import { runIfMain, type Print } from './connect';

const PRODUCER = 'https://github.com/example/strata-examples';
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

export async function run(strata: StrataClient, print: Print = console.log) {
  const runId = randomUUID();
  const job = { namespace: 'examples', name: 'daily_rain_report' };
  const inputs = [{ namespace: 'examples', name: 'weather.hourly' }];
  const outputs = [{ namespace: 'examples', name: 'reports.daily_rain' }];
  const at = (ms: number) => new Date(Date.now() - ms).toISOString();
  await strata.ingestLineage({ eventType: 'START', eventTime: at(60_000), run: { runId }, job, inputs, outputs, producer: PRODUCER, schemaURL: SCHEMA });
  await strata.ingestLineage({ eventType: 'COMPLETE', eventTime: at(0), run: { runId }, job, inputs, outputs, producer: PRODUCER, schemaURL: SCHEMA });
  const graph = (await strata.lineage({ node: 'dataset:examples:reports.daily_rain', direction: 'up', depth: 2 })) as { nodes: Array<{ namespace: string; name: string }> }; // the `simple` format
  for (const n of graph.nodes) print(`${n.namespace}:${n.name}`);
  const r = await strata.lineageRun(runId);
  print(`run ${runId}: ${r.run.state}`);
  return { runId, nodes: graph.nodes.map((n) => `${n.namespace}:${n.name}`) };
}

runIfMain(import.meta, run);
