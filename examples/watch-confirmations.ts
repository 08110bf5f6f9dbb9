/**
 * On a local server (dev chain): mine blocks one by one and watch a version's confirmations
 * rise — what `strata dev-chain run` does, through the typed client.
 *
 *   npx tsx examples/watch-confirmations.ts <versionId>
 */
import { unwrap, type StrataClient } from '@strata/client';
import { runIfMain, type Print } from './connect';

export async function run(strata: StrataClient, print: Print = console.log, versionId = process.argv[2] ?? '', blocks = 3) {
  const seen: number[] = [];
  for (let i = 0; i < blocks; i++) {
    const mined = await unwrap('POST', await strata.api.POST('/dev-chain/blocks', { body: { count: 1 } }));
    const ready = await strata.ready(versionId);
    seen.push(ready.confirmations);
    print(`block ${mined.tip.height}: ${ready.ready ? 'ready' : `not ready (${ready.reason})`}, ${ready.confirmations} confirmation(s)`);
  }
  return seen;
}

runIfMain(import.meta, run);
