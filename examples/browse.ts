/**
 * Browse the catalog: every listed version with its price and whether it may be used now.
 *
 *   npx tsx examples/browse.ts            (after `npx strata demo`)
 */
import type { StrataClient } from '@strata/client';
import { runIfMain, type Print } from './connect';

export async function run(strata: StrataClient, print: Print = console.log) {
  const page = await strata.listings({ limit: 100 });
  const rows = [];
  for (const item of page.items) {
    const [price, ready] = await Promise.all([strata.price(item.versionId), strata.ready(item.versionId)]);
    rows.push({ versionId: item.versionId, datasetId: item.datasetId, name: item.name, satoshis: price.satoshis, ready: ready.ready, confirmations: ready.confirmations });
    print(`${ready.ready ? 'ready' : 'not ready'}  ${String(price.satoshis).padStart(6)} sat  ${item.datasetId}  ${item.name ?? ''}`);
  }
  return rows;
}

runIfMain(import.meta, run);
