/**
 * Bytes. One private bucket holds dataset blobs at `<tier>/<contentHash>` and the audit
 * archive under `audit/` (gzipped JSON Lines of dropped audit partitions). CloudFront may
 * read it (`access: "cloudfront"`), but `infra/cdn.ts` routes only the `public/` prefix,
 * so every other key is reachable through a presigned URL alone.
 */
export const content = new sst.aws.Bucket('Content', {
  access: 'cloudfront',
  // browsers PUT straight to S3 with presigned URLs that carry x-amz-checksum-sha256
  cors: {
    allowMethods: ['GET', 'HEAD', 'PUT'],
    allowHeaders: ['*'],
    allowOrigins: ['*'],
    exposeHeaders: ['ETag', 'x-amz-checksum-sha256'],
    maxAge: '1 hour',
  },
});

/** Key prefix under which the audit archival job writes monthly partitions. */
export const auditArchivePrefix = 'audit/';

/** Key prefix served publicly through the CDN; every other key needs a presigned URL. */
export const publicPrefix = 'public/';
