/**
 * Options both S3 stores take (the SDK one on Node/Lambda, the fetch + SigV4 one on Workers).
 * No SDK import here: the Worker bundle includes this file.
 */
import { z } from 'zod';

/** Where the bucket is. `endpoint` + `forcePathStyle` for R2, MinIO and local S3 servers. */
export const S3Location = z.object({
  bucket: z.string().min(3).max(63),
  region: z.string().min(1),
  endpoint: z.url().optional(),
  forcePathStyle: z.boolean().optional(),
});

export const S3Credentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() });
