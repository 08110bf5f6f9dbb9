import { content, publicPrefix } from './storage';

/**
 * One CloudFront distribution in front of everything: `/` goes to the API function URL
 * (attached in `infra/api.ts`), `/public/…` is read straight from the content bucket.
 * Longer prefixes win, so only keys under `public/` are ever served from the bucket.
 */
export const router = new sst.aws.Router('Cdn');

router.routeBucket(`/${publicPrefix.replace(/\/$/, '')}`, content);

/** The public base of `public/<contentHash>` objects, for the data-delivery routes (not built yet). */
export const cdnBaseUrl = router.url;
