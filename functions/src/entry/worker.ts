/** Cloudflare Worker entry (infra/worker.ts): `fetch`, `queue` and `scheduled` on one script. */
import { createWorker } from '../platform/worker';

export default createWorker();
