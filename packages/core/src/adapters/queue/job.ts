/** Job validation shared by every queue adapter and the dead-letter repo. */
import { z } from 'zod';
import type { JobType } from '../../ports/queue';

/** Must list every JobType of ports/queue.ts (the `satisfies` keeps them in step one way). */
export const JOB_TYPES = ['lineage.ingest', 'lineage.publish', 'outbox.sweep', 'cache.invalidate', 'upload.verify'] as const satisfies readonly JobType[];

export const JobSchema = z.object({ type: z.enum(JOB_TYPES), payload: z.unknown() });
