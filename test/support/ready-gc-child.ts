/**
 * `node --import tsx test/support/ready-gc-child.ts <entries|v8-defaults> <requests>`: one
 * measurement of test/support/ready-gc.ts, printed as one `RESULT {json}` line. The Node entries'
 * V8 settings are imported first, as the entries do; measureReadyGc turns them back off for
 * `v8-defaults`.
 */
import '@strata/functions/platform/v8-tuning';
import { measureReadyGc, type Setting } from './ready-gc';

const setting = process.argv[2] as Setting;
if (setting !== 'entries' && setting !== 'v8-defaults') throw new Error(`setting must be entries or v8-defaults, not ${setting}`);
const result = await measureReadyGc(setting, Number(process.argv[3] ?? 2000));
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
