/** Registers the uploads domain's queue consumer (`upload.verify`). */
import type { Deps } from '../deps';
import type { JobRouter } from '../jobs/router';
import { consumeVerify } from './service';

export function registerUploadJobs(jobs: JobRouter<Deps>): void {
  jobs.on('upload.verify', (deps, batch, ctxFor) => consumeVerify(deps, batch, ctxFor));
}
